"""Stands for a heavy import (a CMS, a machine-learning model): the URLconf
imports it, so every start-up of the web app pays it. Seconds from
GALLERY_STARTUP_DELAY (default 3; 0 for none)."""
import os
import time

STARTED = time.time()
time.sleep(float(os.environ.get("GALLERY_STARTUP_DELAY", "3")))
READY = time.time()
