"""WeChat's message push (消息推送) to the mini-program's server: signatures, plain and encrypted messages.

WeChat signs every push with the token set in the console: `signature` is the SHA-1 of the sorted
token, timestamp and nonce. In safe mode (安全模式, an EncodingAESKey is configured) a message body
carries only `Encrypt`, signed as `msg_signature` over the token, timestamp, nonce and the ciphertext,
and decrypted with wechatpy's crypto. Bodies are JSON or XML, as chosen in the console.
"""
import hashlib
import hmac
import json

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException


class PushRefused(Exception):
    """The request is not from WeChat (a missing or wrong signature) or not in the configured mode."""


def signature(token: str, *parts: str) -> str:
    """WeChat's signature: the SHA-1 of the token and the parts, sorted and joined."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()  # noqa: S324  # WeChat's scheme


def verify_url(token: str, args) -> str:
    """The `echostr` to answer WeChat's GET when the signature is right; PushRefused otherwise."""
    _require_signature(token, args)
    return args.get("echostr", "")


def read_message(token: str, aes_key: str, appid: str, args, body: bytes) -> dict:
    """The pushed message as a dict, once its signature (and in safe mode its encryption) checks."""
    if not token:
        raise PushRefused("no push token configured")
    if args.get("encrypt_type") == "aes":
        if not aes_key:
            raise PushRefused("an encrypted message, but no EncodingAESKey is configured")
        try:
            plain = WeChatCrypto(token, aes_key, appid).decrypt_message(
                _parse(body), args.get("msg_signature", ""), args.get("timestamp", ""), args.get("nonce", "")
            )
        except (InvalidSignatureException, InvalidAppIdException, KeyError, ValueError, TypeError) as error:
            raise PushRefused("bad message signature or ciphertext") from error
        return _parse(plain.encode() if isinstance(plain, str) else plain)
    if aes_key:
        raise PushRefused("safe mode takes encrypted messages only")
    _require_signature(token, args)
    return _parse(body)


def encrypt_message(token: str, aes_key: str, appid: str, message: dict, nonce: str, timestamp: str) -> dict:
    """A message as WeChat pushes it in safe mode, JSON format: {Encrypt} and its msg_signature
    (for the sandbox and tests, which stand in for WeChat)."""
    crypto = WeChatCrypto(token, aes_key, appid)
    envelope = xmltodict.parse(crypto.encrypt_message(json.dumps(message), nonce, timestamp))["xml"]
    return {"Encrypt": envelope["Encrypt"], "msg_signature": envelope["MsgSignature"]}


def _require_signature(token: str, args) -> None:
    if not token:
        raise PushRefused("no push token configured")
    expected = signature(token, args.get("timestamp", ""), args.get("nonce", ""))
    if not hmac.compare_digest(expected, args.get("signature", "")):
        raise PushRefused("bad signature")


def _parse(body) -> dict:
    """A JSON or XML body as a dict; ValueError when it is neither."""
    text = body.decode() if isinstance(body, bytes) else body
    if text.lstrip().startswith("{"):
        message = json.loads(text)
    else:
        try:
            message = xmltodict.parse(text)["xml"]
        except Exception as error:  # noqa: BLE001  # expat raises its own error types
            raise ValueError("neither JSON nor XML") from error
    if not isinstance(message, dict):
        raise ValueError("not an object")
    return message
