#!/usr/bin/env python3
"""Interop check: Microsoft's own Graph SDK (`msgraph-sdk`, with
`azure-identity` and `msgraph-core`) against `graphmail sandbox serve --tls`.

If the SDK and the sandbox disagree, the sandbox is wrong (issue 13). Reads the
sandbox's ready line (SPEC §6) from a file argument or stdin, then, as the
built-in app with its client secret:
  1. pages a delta query on support@'s Inbox two messages a page to its
     deltaLink, makes changes (a new mail, a deletion) and reads them back
     through the saved deltaLink, `@removed` included;
  2. creates a draft, opens an upload session for a 9 MiB attachment and
     PUTs it in 4 MiB chunks through the SDK's request adapter and
     msgraph-core's upload-session model, following nextExpectedRanges, then
     checks the sandbox's counters: every chunk arrived, none carried the
     bearer token (the SDK attaches it to allowed hosts only).
Exits non-zero on any failure.

    pip install msgraph-sdk            # brings azure-identity, msgraph-core, kiota
    graphmail sandbox serve --tls > ready.json &
    python3 tests/interop/msgraph_interop.py ready.json
    kill %1

The SDK insists on https for its bearer token, hence --tls; it trusts the
sandbox CA through SSL_CERT_FILE / REQUESTS_CA_BUNDLE, set here from the
ready line's ca_file. The token goes to the Graph host only (allowed_hosts);
the sandbox's upload URLs live on the other loopback name, as Outlook's upload
host is not Graph's.
"""

import asyncio
import json
import os
import ssl
import sys
import time
import urllib.request
from urllib.parse import urlparse


def fail(message):
    print(f"msgraph_interop: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read_ready():
    if len(sys.argv) > 1 and sys.argv[1] != "-":
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


def admin_get(ready, path):
    context = ssl.create_default_context(cafile=ready["ca_file"])
    with urllib.request.urlopen(ready["admin_endpoint"] + path, context=context, timeout=30) as r:
        return json.loads(r.read())


def make_client(ready):
    from azure.identity.aio import ClientSecretCredential
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient

    graph = ready["graph_endpoint"].rstrip("/")
    credential = ClientSecretCredential(
        ready["tenant"],
        ready["app_id"],
        ready["client_secret"],
        authority=ready["authority_host"],
        disable_instance_discovery=True,
    )
    auth = AzureIdentityAuthenticationProvider(
        credential,
        scopes=[f"{graph}/.default"],
        allowed_hosts=[urlparse(graph).hostname],
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = f"{graph}/v1.0"
    return GraphServiceClient(request_adapter=adapter), credential


async def delta_round(builder, configuration):
    """Pages one round; returns (messages, removed ids, deltaLink, pages)."""
    messages, removed, pages = [], [], 0
    page = await builder.get(request_configuration=configuration)
    while True:
        pages += 1
        for m in page.value or []:
            if "@removed" in (m.additional_data or {}):
                removed.append(m.id)
            else:
                messages.append(m)
        if page.odata_next_link:
            page = await builder.with_url(page.odata_next_link).get(
                request_configuration=configuration
            )
            continue
        if not page.odata_delta_link:
            fail("a delta page ended without nextLink or deltaLink")
        return messages, removed, page.odata_delta_link, pages


async def check_delta(client, ready):
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.message import Message
    from msgraph.generated.models.recipient import Recipient
    from msgraph.generated.users.item.mail_folders.item.messages.delta.delta_request_builder import (
        DeltaRequestBuilder,
    )
    from msgraph.generated.users.item.send_mail.send_mail_post_request_body import (
        SendMailPostRequestBody,
    )

    mailbox = "support@contoso.com"
    inbox = client.users.by_user_id(mailbox).mail_folders.by_mail_folder_id("inbox")
    query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=["subject", "isRead"])
    first_config = RequestConfiguration(query_parameters=query)
    first_config.headers.add("Prefer", "odata.maxpagesize=2")
    later_config = RequestConfiguration()
    later_config.headers.add("Prefer", "odata.maxpagesize=2")

    messages, removed, delta_link, pages = await delta_round(inbox.messages.delta, first_config)
    if len(messages) < 3 or pages < 2 or removed:
        fail(f"first round: {len(messages)} messages in {pages} pages, {len(removed)} removed")
    if any(m.body is not None for m in messages):
        fail("$select was not applied")

    sent = SendMailPostRequestBody(
        message=Message(
            subject="msgraph interop arrival",
            body=ItemBody(content_type=BodyType.Text, content="hello"),
            to_recipients=[Recipient(email_address=EmailAddress(address=mailbox))],
        ),
        save_to_sent_items=False,
    )
    await client.users.by_user_id("noreply@contoso.com").send_mail.post(sent)
    gone = messages[0].id
    await client.users.by_user_id(mailbox).messages.by_message_id(gone).delete()

    builder = inbox.messages.delta.with_url(delta_link)
    changed, removed, _, _ = await delta_round(builder, later_config)
    if [m.subject for m in changed] != ["msgraph interop arrival"]:
        fail(f"second round changed: {[m.subject for m in changed]}")
    if removed != [gone]:
        fail(f"second round removed {removed}, expected [{gone}]")
    print(f"msgraph_interop: delta ok ({len(messages)} messages in {pages} pages, then 1 new, 1 removed)")


async def check_upload(client, ready):
    from msgraph.generated.models.attachment_item import AttachmentItem
    from msgraph.generated.models.attachment_type import AttachmentType
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.message import Message
    from msgraph.generated.models.recipient import Recipient
    from msgraph.generated.users.item.messages.item.attachments.create_upload_session.create_upload_session_post_request_body import (
        CreateUploadSessionPostRequestBody,
    )
    from kiota_abstractions.headers_collection import HeadersCollection
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from msgraph_core.models.large_file_upload_session import LargeFileUploadSession

    mailbox = "noreply@contoso.com"
    draft = await client.users.by_user_id(mailbox).messages.post(
        Message(
            subject="msgraph interop upload",
            to_recipients=[Recipient(email_address=EmailAddress(address="adele@contoso.com"))],
        )
    )
    size = 9 * 1024 * 1024 + 17
    data = bytes(i % 251 for i in range(size))
    body = CreateUploadSessionPostRequestBody(
        attachment_item=AttachmentItem(
            attachment_type=AttachmentType.File, name="interop.bin", size=size
        )
    )
    session = await (
        client.users.by_user_id(mailbox)
        .messages.by_message_id(draft.id)
        .attachments.create_upload_session.post(body)
    )
    if not session or not session.upload_url:
        fail("createUploadSession gave no uploadUrl")
    # NOTE: msgraph-core's LargeFileUploadTask cannot finish an Outlook
    # attachment (msgraph-sdk-python-core issue 691: it expects "start-end"
    # ranges where Outlook answers a single "{start}", as the uploadSession
    # page documents), so the chunks go through the SDK's own request adapter
    # and models, the way the task would send them.
    chunk = 4 * 1024 * 1024
    offset = 0
    puts = 0
    while True:
        end = min(offset + chunk, size) - 1
        info = RequestInformation()
        info.url = session.upload_url
        info.http_method = Method.PUT
        info.headers = HeadersCollection()
        info.headers.try_add("Content-Range", f"bytes {offset}-{end}/{size}")
        info.headers.try_add("Content-Length", str(end - offset + 1))
        info.headers.try_add("Content-Type", "application/octet-stream")
        info.set_stream_content(data[offset:end + 1])
        answer = await client.request_adapter.send_async(info, LargeFileUploadSession, {})
        puts += 1
        if end + 1 >= size:
            break
        ranges = (answer.next_expected_ranges if answer else None) or []
        if not ranges:
            fail(f"no nextExpectedRanges after bytes {offset}-{end}")
        offset = int(ranges[0].split("-")[0])

    sessions = admin_get(ready, "/mail/uploads")["sessions"]
    mine = [s for s in sessions if s["name"] == "interop.bin"]
    if len(mine) != 1:
        fail(f"expected one upload session, got {sessions}")
    report = mine[0]
    if report["state"] != "complete" or report["received"] != size or report["puts"] != puts:
        fail(f"upload not complete: {report}")
    if report["bearer_refused"] != 0:
        fail(f"the SDK sent its bearer token to the upload URL: {report}")
    attachments = await (
        client.users.by_user_id(mailbox).messages.by_message_id(draft.id).attachments.get()
    )
    sizes = [a.size for a in attachments.value or []]
    if sizes != [size]:
        fail(f"attachment sizes {sizes}, expected [{size}]")
    print(f"msgraph_interop: upload ok (chunks {report['chunks']})")


async def main():
    ready = read_ready()
    if not ready.get("ca_file"):
        fail("run the sandbox with --tls: the SDK sends its token over https only")
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        os.environ[var] = ready["ca_file"]
    client, credential = make_client(ready)
    try:
        await check_delta(client, ready)
        await check_upload(client, ready)
    finally:
        await credential.close()


if __name__ == "__main__":
    try:
        import msgraph  # noqa: F401
    except ImportError:
        fail("msgraph-sdk is not installed (pip install msgraph-sdk)")
    asyncio.run(main())
