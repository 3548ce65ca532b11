"""upload_demo: every Reflex upload pattern, done the way a production app would."""
