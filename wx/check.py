"""`flask wechat check`: a live WeChat configuration verified without sending anything to anyone."""
import re
import secrets
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from wx.push import signature
from wx.templates import keys_in_content

# WeChat's rules for the message-push token (3–32 letters or digits) and the EncodingAESKey (43).
PUSH_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


@dataclass
class Finding:
    ok: bool
    what: str


def check_configuration(client, config, push_url: str | None = None) -> list[Finding]:
    """Each check's outcome: the access token, every template and its keys, the push settings."""
    findings = []
    try:
        client.fetch_stable_token()
        findings.append(Finding(True, "access token: fetched (stable_token; other processes keep theirs)"))
    except (WeChatClientException, requests.RequestException) as error:
        findings.append(
            Finding(False, f"access token: {error} — check WECHAT_APPID / WECHAT_SECRET and the IP whitelist")
        )
        return findings
    findings += _check_templates(client, config)
    findings += _check_push(config, push_url)
    return findings


def _check_templates(client, config) -> list[Finding]:
    try:
        listed = client.get("wxaapi/newtmpl/gettemplate", api_base_url=client.api_base).get("data", [])
    except (WeChatClientException, requests.RequestException) as error:
        return [Finding(False, f"templates: the account's template list cannot be read ({error})")]
    keys_by_template = {item.get("priTmplId"): set(keys_in_content(item.get("content", ""))) for item in listed}
    findings = []
    for event, template_id in sorted(config["WECHAT_TEMPLATES"].items()):
        mapped = set(config["WECHAT_TEMPLATE_KEYS"].get(event, ()))
        if template_id not in keys_by_template:
            findings.append(Finding(False, f"template {event}: {template_id} is not among the account's templates"))
        elif keys_by_template[template_id] != mapped:
            findings.append(Finding(False, (
                f"template {event}: WeChat's keys {sorted(keys_by_template[template_id])} "
                f"≠ mapped keys {sorted(mapped)} (WECHAT_SUBSCRIBE_KEYS)"
            )))
        else:
            findings.append(Finding(True, f"template {event}: {template_id} has the keys {sorted(mapped)}"))
    return findings


def _check_push(config, push_url: str | None) -> list[Finding]:
    token, aes_key = config["WECHAT_PUSH_TOKEN"], config["WECHAT_PUSH_AES_KEY"]
    if not PUSH_TOKEN.fullmatch(token or ""):
        return [Finding(False, "message push: WECHAT_PUSH_TOKEN must be 3–32 letters or digits, as in the console")]
    findings = [Finding(True, "message push: token set")]
    if aes_key and not AES_KEY.fullmatch(aes_key):
        findings.append(Finding(False, "message push: WECHAT_PUSH_AES_KEY must be the console's 43-character key"))
    if push_url:
        findings.append(_check_push_url(token, push_url))
    return findings


def _check_push_url(token: str, push_url: str) -> Finding:
    """Call the deployed endpoint as WeChat would when the URL is saved: it must echo our echostr."""
    timestamp, nonce, echo = "0", secrets.token_hex(8), secrets.token_hex(8)
    try:
        response = requests.get(push_url, timeout=10, params={
            "signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "echostr": echo,
        })
    except requests.RequestException as error:
        return Finding(False, f"message push: {push_url} cannot be reached ({type(error).__name__})")
    if response.status_code == 200 and response.text == echo:
        return Finding(True, f"message push: {push_url} answers WeChat's check with this token")
    return Finding(False, f"message push: {push_url} answered {response.status_code}: its token differs")
