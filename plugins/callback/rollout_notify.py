# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_notify
type: notification
short_description: Posts Slack-compatible webhook messages when a rollout starts, rolls back and finishes
version_added: "0.1.0"
description:
  - Sends a JSON message (C(text), plus one C(attachments) entry with a colour and fields, as Slack incoming
    webhooks and compatible receivers such as Mattermost or Rocket.Chat accept) when a release starts (the first
    canary created in the run), at every rollback (with the reason in plain words), and when the run ends
    (its outcome and summary).
  - A run without any release step (a status run) sends nothing. A webhook that fails is reported as a
    warning; it never fails the play. The URL is a secret and is never printed.
  - Enable it with C(callbacks_enabled = progressive.delivery.rollout_notify) and set O(webhook_url).
requirements:
  - enable in configuration
options:
  webhook_url:
    description: The webhook to POST to (a secret; set it through the environment or an AWX credential).
    type: str
    env:
      - name: PD_ROLLOUT_WEBHOOK_URL
    ini:
      - section: progressive_delivery
        key: webhook_url
  timeout:
    description: Seconds to wait for the webhook to answer.
    type: float
    default: 10
    env:
      - name: PD_ROLLOUT_WEBHOOK_TIMEOUT
    ini:
      - section: progressive_delivery
        key: webhook_timeout
"""

import json

from ansible.module_utils.urls import open_url
from ansible.plugins.callback import CallbackBase

from ansible_collections.progressive.delivery.plugins.plugin_utils.report.notification import (
    finish_message,
    rollback_message,
    start_message,
)
from ansible_collections.progressive.delivery.plugins.plugin_utils.rollout_events import RolloutEvents


class CallbackModule(RolloutEvents, CallbackBase):
    """Posts start, rollback and finish messages to a webhook."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "progressive.delivery.rollout_notify"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._rollout_init()
        self._started = False

    def _post(self, message):
        url = self.get_option("webhook_url")
        if not url:
            self._display.warning("rollout_notify: no webhook_url set (PD_ROLLOUT_WEBHOOK_URL); nothing sent")
            return
        try:
            open_url(url, data=json.dumps(message), method="POST", timeout=self.get_option("timeout"),
                     headers={"Content-Type": "application/json"}, follow_redirects="safe")
        except Exception as exc:  # pylint: disable=broad-except
            # The reason only: an exception text may carry the URL, which is a secret.
            self._display.warning("rollout_notify: the webhook did not accept the message (%s)" % type(exc).__name__)

    def on_step(self, step, events):
        if "canary" in events and not self._started:
            self._started = True
            self._post(start_message(self.recorder.record, step))
        if "rollback" in events:
            self._post(rollback_message(self.recorder.record, step))

    def on_rollout_end(self, record):
        if record["steps"]:
            self._post(finish_message(record))
