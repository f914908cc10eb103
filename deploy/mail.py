"""An email backend for the reference stack: every message becomes a file a test can read.

``CLIENTPORTAL_MAIL_DELAY`` (seconds) makes each send slow, and a marker file
``sending-<pid>-<n>`` is written before the wait: the stack test uses it to kill a
worker in the middle of a delivery round.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class CaptureBackend(BaseEmailBackend):
    def __init__(self, *args, directory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(directory or os.environ["CLIENTPORTAL_MAIL_DIR"])
        self.delay = float(os.environ.get("CLIENTPORTAL_MAIL_DELAY", "0"))

    def send_messages(self, messages):
        self.directory.mkdir(parents=True, exist_ok=True)
        for message in messages:
            if self.delay:
                (self.directory / f"sending-{os.getpid()}-{uuid.uuid4().hex}").touch()
                time.sleep(self.delay)
            name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
            (self.directory / (name + ".tmp")).write_bytes(message.message().as_bytes())
            os.replace(self.directory / (name + ".tmp"), self.directory / name)
        return len(messages)
