"""Passwords, session tokens and CSRF tokens: the console's small cryptographic parts."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# zxcvbn's score 3 means "safely unguessable" (about 10^8 guesses); below it the password is in, or close
# to, its bundled lists of 30,000 common passwords, common words and names, or a keyboard pattern.
MIN_PASSWORD_SCORE = 3
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


class WeakPasswordError(ValueError):
    """A password that the console refuses to set."""


class CommonPasswordError(WeakPasswordError):
    """A long enough password that is common or easy to guess ("password1234", "qwertyuiop123")."""


def check_password_strength(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse passwords shorter than MIN_PASSWORD_LENGTH characters, or common and easy to guess.

    ``user_inputs`` (the username, the name) count as known words: "ana.lopez2026" is weak for Ana López.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if zxcvbn(password, user_inputs=[word for word in user_inputs if word])["score"] < MIN_PASSWORD_SCORE:
        raise CommonPasswordError("this password is common or easy to guess")


def hash_password(password: str, user_inputs: tuple[str, ...] = ()) -> str:
    """An argon2id hash of a password (after the strength check)."""
    check_password_strength(password, user_inputs)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash (a dummy hash is checked when there is none)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random session (or pre-session) token for a cookie."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret: str, cookie_token: str) -> str:
    """The CSRF token bound to one browser's cookie (HMAC: nothing to store)."""
    return hmac.new(secret.encode(), b"csrf:" + cookie_token.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: str, cookie_token: str | None, submitted: str | None) -> bool:
    """Whether a submitted CSRF token belongs to the browser's cookie."""
    if not cookie_token or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_token), submitted)


def device_token(secret: str, username: str) -> str:
    """A device cookie for a browser that signed in to `username`: a random id and its HMAC."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_device_mac(secret, username, nonce)}"


def device_id(secret: str, cookie: str | None, username: str) -> str | None:
    """The device id of a cookie issued to this browser for `username` (None: no such cookie)."""
    if not cookie or "." not in cookie:
        return None
    nonce, _, mac = cookie.partition(".")
    if hmac.compare_digest(_device_mac(secret, username, nonce), mac):
        return nonce
    return None


def _device_mac(secret: str, username: str, nonce: str) -> str:
    message = f"device:{username.strip().lower()}:{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
