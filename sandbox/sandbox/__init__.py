"""A Wagtail host project that uses wagtail_clientportal the way a law firm's site would."""
