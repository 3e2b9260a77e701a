#!/usr/bin/env python3
"""Interop check: Microsoft's own `msal` library against `graphmail sandbox serve --tls`.

If msal and the sandbox disagree, the sandbox is wrong (issue 3). Reads the
sandbox's ready line (SPEC §6) from a file argument or stdin, then acquires a
client-credentials token with the client secret with the PFX certificate
(msal signs PS256 + x5t#S256 from a PFX) and with the PEM key + SHA-1 thumbprint
(RS256 + x5t), and checks each token's claims. Also
checks that a wrong secret yields AADSTS7000215 through msal. Exits non-zero on
any failure.

    pip install msal
    graphmail sandbox serve --tls > ready.json &     # or: cargo run --example sandbox_serve -- --tls
    python3 tests/interop/msal_interop.py ready.json  # waits up to 60 s for the line
    kill %1

msal refuses http authorities, hence --tls; it trusts the sandbox CA through
REQUESTS_CA_BUNDLE, which this script sets from the ready line's ca_file
(this machine presets REQUESTS_CA_BUNDLE/SSL_CERT_FILE to another bundle).
"""

import base64
import json
import os
import sys
import time


def fail(message):
    print(f"msal_interop: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read_ready():
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        # The sandbox may still be starting: wait up to a minute for its line.
        deadline = time.monotonic() + 60
        text = ""
        while not text.endswith("\n") and time.monotonic() < deadline:
            try:
                with open(sys.argv[1], encoding="utf-8") as f:
                    text = f.readline()
            except FileNotFoundError:
                pass
            if not text.endswith("\n"):
                time.sleep(0.2)
    else:
        text = sys.stdin.readline()
    try:
        return json.loads(text)
    except ValueError as e:
        fail(f"the ready line is not JSON ({e}): {text!r}")


def claims_of(token):
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def admin_credentials(ready):
    """The sandbox's seeded credentials, from its admin endpoint (loopback only)."""
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=ready.get("ca_file"))
    url = ready["admin_endpoint"] + "/credentials"
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return json.load(response)


def admin_counters(ready):
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=ready.get("ca_file"))
    with urllib.request.urlopen(ready["admin_endpoint"] + "/counters", context=context, timeout=10) as r:
        return json.load(r)


def check_token(kind, result, ready):
    if "access_token" not in result:
        fail(f"{kind}: no token: {result.get('error')}: {result.get('error_description')}")
    claims = claims_of(result["access_token"])
    if claims.get("tid") != ready["tenant"]:
        fail(f"{kind}: tid {claims.get('tid')!r} != {ready['tenant']!r}")
    if claims.get("appid") != ready["app_id"]:
        fail(f"{kind}: appid {claims.get('appid')!r} != {ready['app_id']!r}")
    if claims.get("aud") != ready["graph_endpoint"]:
        fail(f"{kind}: aud {claims.get('aud')!r} != {ready['graph_endpoint']!r}")
    if result.get("token_type") != "Bearer":
        fail(f"{kind}: token_type {result.get('token_type')!r}")
    print(f"msal_interop: {kind}: ok (roles {claims.get('roles', [])}, expires_in {result.get('expires_in')})")


def main():
    ready = read_ready()
    if not ready.get("authority_host", "").startswith("https://"):
        fail("msal needs an https authority: run the sandbox with --tls")
    if ready.get("ca_file"):
        os.environ["REQUESTS_CA_BUNDLE"] = ready["ca_file"]
        os.environ["SSL_CERT_FILE"] = ready["ca_file"]
    # Loopback never goes through a proxy (requests does not exempt it by itself).
    for var in ("NO_PROXY", "no_proxy"):
        os.environ[var] = ",".join(filter(None, [os.environ.get(var), "127.0.0.1", "localhost", "::1"]))
    import msal  # after the CA bundle is set

    authority = f"{ready['authority_host']}/{ready['tenant']}"
    scopes = [f"{ready['graph_endpoint']}/.default"]

    app = msal.ConfidentialClientApplication(
        ready["app_id"],
        client_credential=ready["client_secret"],
        authority=authority,
        instance_discovery=False,
    )
    check_token("client secret", app.acquire_token_for_client(scopes=scopes), ready)

    app = msal.ConfidentialClientApplication(
        ready["app_id"],
        client_credential={
            "private_key_pfx_path": ready["certificate_pfx"],
            "passphrase": ready["certificate_password"],
        },
        authority=authority,
        instance_discovery=False,
    )
    check_token("certificate (PFX)", app.acquire_token_for_client(scopes=scopes), ready)

    # PEM key + SHA-1 thumbprint: msal falls back to RS256 + x5t (reference §1.4, form A).
    creds = admin_credentials(ready)
    entry = next(a for t in creds["tenants"] for a in t["apps"] if a["id"] == ready["app_id"])
    cert = next(c for c in entry["certificates"] if c.get("key_pem"))
    with open(cert["key_pem"], encoding="utf-8") as f:
        private_key = f.read()
    app = msal.ConfidentialClientApplication(
        ready["app_id"],
        client_credential={"private_key": private_key, "thumbprint": cert["thumbprint_sha1"]},
        authority=authority,
        instance_discovery=False,
    )
    check_token("certificate (PEM + SHA-1 thumbprint)", app.acquire_token_for_client(scopes=scopes), ready)

    app = msal.ConfidentialClientApplication(
        ready["app_id"],
        client_credential="not-the-secret",
        authority=authority,
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=scopes)
    if 7000215 not in result.get("error_codes", []) or result.get("error") != "invalid_client":
        fail(f"wrong secret: expected invalid_client/7000215, got {result}")
    print("msal_interop: wrong secret: ok (AADSTS7000215)")

    # The tenant by domain: msal reads the discovery document and posts to the GUID token URL.
    domain_authority = f"{ready['authority_host']}/contoso.onmicrosoft.com"
    app = msal.ConfidentialClientApplication(
        ready["app_id"],
        client_credential={
            "private_key_pfx_path": ready["certificate_pfx"],
            "passphrase": ready["certificate_password"],
        },
        authority=domain_authority,
        instance_discovery=False,
    )
    if ready["tenant"] == "9b2c6a7e-3f1d-4c8a-b5e2-7d4f1a0c6e93":
        check_token("certificate via domain authority", app.acquire_token_for_client(scopes=scopes), ready)

    kinds = admin_counters(ready)["kinds"]
    for form in ("token.assertion.ps256.x5t#S256", "token.assertion.rs256.x5t"):
        if not kinds.get(form):
            fail(f"the sandbox saw no assertion of the form {form}: {kinds}")
    print("msal_interop: msal used both header forms (PS256 + x5t#S256, RS256 + x5t)")

    print("msal_interop: all passed")


if __name__ == "__main__":
    main()
