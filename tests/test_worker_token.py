"""One WeChat access token for all processes: an expired token is refreshed by one process only."""
import subprocess
import sys
import time
from pathlib import Path

from wx.client import get_wechat

REPO = Path(__file__).resolve().parent.parent

# Each process builds its own client on the shared Redis and reads the cached token; when all
# are ready they call WeChat with it at once (it has expired meanwhile).
PROCESS = """
import sys, time
from pathlib import Path
import redis
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage
from wx.client import TOKEN_KEY_PREFIX, LinliWeChatClient

base, appid, secret, redis_url, rendezvous, number = sys.argv[1:]
storage = RedisStorage(redis.Redis.from_url(redis_url), prefix=TOKEN_KEY_PREFIX)
client = LinliWeChatClient(appid, secret, base, session=storage, timeout=10)
token = client.access_token
(Path(rendezvous) / f"ready-{number}").touch()
while not (Path(rendezvous) / "go").exists():
    time.sleep(0.002)
try:
    client.post(
        "message/subscribe/send", params={"access_token": token},
        data={"touser": "o-nobody", "template_id": "tpl-none", "data": {"thing1": {"value": "x"}}},
    )
except WeChatClientException as error:
    print(error.errcode)
"""


def test_twenty_processes_meeting_an_expired_token_fetch_it_at_most_once(app, wx, redis_server, tmp_path):
    with app.app_context():
        _ = get_wechat().access_token  # one token, cached in Redis for everyone
    assert wx.stats()["token_fetches"] == 1
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, wx.base_url, wx.appid, wx.secret, redis_server.url, str(tmp_path), str(n)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(20)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    wx.expire_tokens()
    (tmp_path / "go").touch()
    outputs = [process.communicate(timeout=60) for process in processes]
    # Every process got past the token (WeChat then refused the unknown openid: 40003).
    assert [out.strip() for out, _err in outputs] == ["40003"] * 20, outputs
    assert wx.stats()["token_fetches"] == 2
