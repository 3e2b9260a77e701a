#!/usr/bin/env python3
"""Interop check: Microsoft's own `msal` library against `graphmail sandbox serve --tls`.

If msal and the sandbox disagree, the sandbox is wrong (issue 3). Reads the
sandbox's ready line (SPEC §6) from a file argument or stdin, then acquires a
client-credentials token with the client secret and with the PFX certificate
(msal signs PS256 + x5t#S256 from a PFX), and checks each token's claims. Also
checks that a wrong secret yields AADSTS7000215 through msal. Exits non-zero on
any failure.

    pip install msal
    graphmail sandbox serve --tls > ready.json &     # or: cargo run --example sandbox_serve -- --tls
    python3 tests/interop/msal_interop.py ready.json

msal refuses http authorities, hence --tls; it trusts the sandbox CA through
REQUESTS_CA_BUNDLE, which this script sets from the ready line's ca_file
(this machine presets REQUESTS_CA_BUNDLE/SSL_CERT_FILE to another bundle).
"""

import base64
import json
import os
import sys


def fail(message):
    print(f"msal_interop: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read_ready():
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        with open(sys.argv[1], encoding="utf-8") as f:
            text = f.readline()
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

    print("msal_interop: all passed")


if __name__ == "__main__":
    main()
