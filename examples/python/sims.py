"""The official Python SDK against Wisp: each domain's base_url points at the Wisp.

    WISP_URL=http://127.0.0.1:4000 WISP_ACCOUNT_SID=AC... WISP_AUTH_TOKEN=... python3 examples/python/sims.py
"""
import os

from twilio.rest import Client

url = os.environ.get("WISP_URL", "http://127.0.0.1:4000")
client = Client(os.environ["WISP_ACCOUNT_SID"], os.environ["WISP_AUTH_TOKEN"])
# One line per Twilio domain the code uses: the SDK builds each request on its domain's base_url.
client.wireless.base_url = url
client.api.base_url = url

sims = client.wireless.v1.sims.list(status="active", limit=5)
assert sims, "the demo fleet has active SIMs"
sim = client.wireless.v1.sims(sims[0].sid).update(friendly_name="Renamed from Python")
assert sim.friendly_name == "Renamed from Python", sim.friendly_name
plans = client.wireless.v1.rate_plans.list()
account = client.api.v2010.accounts(os.environ["WISP_ACCOUNT_SID"]).fetch()
print(f"python: {len(sims)} active SIMs, {len(plans)} rate plans, account {account.sid} ({account.status})")
