# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the release domain: each names what is wrong and how to fix it."""

from __future__ import annotations


# Whose fault a failure is, returned as ``blame`` by every module that fails: only a failure of the version
# itself puts it on the reject list; a failure of the evidence (a provider or API server that could not be
# read) or another run holding the release stops the release without judging the version.
BLAME_VERSION = "version"
BLAME_EVIDENCE = "evidence"
BLAME_LOCK = "lock"


class ReleaseError(Exception):
    """A release cannot proceed; the message says why and what to do. Nothing was written."""

    blame = None

    def __init__(self, message, field=None, details=None):
        super(ReleaseError, self).__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def __str__(self):
        return self.message


class InvalidArgument(ReleaseError):
    """An option value is wrong; `field` names the option."""

    def __init__(self, field, message):
        super(InvalidArgument, self).__init__("%s: %s" % (field, message), field=field)


class LockHeld(ReleaseError):
    """Another run holds the app's release lock."""

    blame = BLAME_LOCK


class ReleaseFrozen(ReleaseError):
    """The release is frozen: nothing may move its split until a person lifts the freeze."""


class CanaryFailed(ReleaseError):
    """The canary's pods report a failure (crash loop, image pull error, deadline exceeded)."""

    blame = BLAME_VERSION


class BaselineFailed(ReleaseError):
    """The baseline's pods (the stable version) did not get Ready: the evidence failed, not the canary."""

    blame = BLAME_EVIDENCE
