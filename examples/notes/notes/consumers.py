"""A websocket that answers each message with the release that served it:
anyone can tell which release a long-lived connection is on."""
from channels.generic.websocket import WebsocketConsumer
from django.conf import settings


class EchoConsumer(WebsocketConsumer):
    def connect(self):
        self.accept()

    def receive(self, text_data=None, bytes_data=None):
        self.send(text_data="%s %s" % (settings.RELEASE, text_data or ""))
