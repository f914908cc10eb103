"""The client-facing site: the part of the package the firm's clients see."""
