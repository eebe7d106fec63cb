"""Email over SMTP to an aiosmtpd server on loopback: STARTTLS, implicit TLS, authentication, MIME parts."""

from __future__ import annotations

import ssl

import pytest
import trustme
from sqlmodel import select

from alerts.models import Notification
from alerts.routing import expand_clock_events

from .conftest import drain, insert_case, insert_event, make_ctx, person
from .receivers import SmtpSink


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return server, str(path)


def email_channel(sink: SmtpSink, **extra) -> dict:
    return {"name": "值班邮箱", "kind": "email", "host": "127.0.0.1", "port": sink.port, "security": "none",
            "sender": "舆情值班 <yuqing@example.gov.cn>", "people": True, **extra}


def send_one(session, engine, clock, ctx, **event):
    case = insert_case(session, clock.now(), title=event.pop("title", "太谷区某化工厂发生爆炸"))
    insert_event(session, case, clock.now(), recipients=[person("李联络", email="li@example.gov.cn")], **event)
    expand_clock_events(session, clock.now(), ctx)
    drain(engine, clock, ctx)
    return case


def test_it_sends_html_with_a_plain_text_alternative_to_the_persons_address(session, engine, clock):
    sink = SmtpSink().start()
    try:
        ctx = make_ctx([email_channel(sink)])
        case = send_one(session, engine, clock, ctx, title="<script>alert(1)</script>爆炸")
    finally:
        sink.stop()
    [mail] = sink.messages
    assert mail["to"] == ["li@example.gov.cn"]
    msg = mail["message"]
    assert msg["Subject"].startswith("【特别重大、重大突发事件】新舆情案件")
    plain = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "<script>alert(1)</script>爆炸" in plain
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert f'href="http://127.0.0.1:8080/cases/{case.id}"' in html
    assert "北京时间" in plain and "14:00" in plain     # due 06:00 UTC = 14:00 Asia/Shanghai
    assert msg["Message-ID"].endswith("@yuqing-watch.invalid>")


def test_starttls_with_authentication(session, engine, clock, ca):
    server_ctx, ca_file = ca
    sink = SmtpSink(tls_context=server_ctx, require_auth=True).start()
    try:
        ctx = make_ctx([email_channel(sink, security="starttls", username="robot", password="s3cret", ca_file=ca_file)])
        send_one(session, engine, clock, ctx)
    finally:
        sink.stop()
    [mail] = sink.messages
    assert mail["tls"] and mail["to"] == ["li@example.gov.cn"]


def test_implicit_tls(session, engine, clock, ca):
    server_ctx, ca_file = ca
    sink = SmtpSink(tls_context=server_ctx, implicit_tls=True).start()
    try:
        ctx = make_ctx([email_channel(sink, security="tls", ca_file=ca_file)])
        send_one(session, engine, clock, ctx)
    finally:
        sink.stop()
    assert len(sink.messages) == 1


def test_a_refused_password_is_permanent(session, engine, clock, ca):
    server_ctx, ca_file = ca
    sink = SmtpSink(tls_context=server_ctx, require_auth=True).start()
    try:
        ctx = make_ctx([email_channel(sink, security="starttls", username="robot", password="wrong", ca_file=ca_file)])
        send_one(session, engine, clock, ctx)
    finally:
        sink.stop()
    row = session.exec(select(Notification)).one()
    assert row.status == "failed" and "535" in row.last_error
    assert sink.messages == []


def test_a_4xx_reply_is_retried_and_a_5xx_reply_is_not(session, engine, clock):
    sink = SmtpSink().start()
    try:
        sink.scripted = ["451 4.3.0 try again later"]
        ctx = make_ctx([email_channel(sink)])
        send_one(session, engine, clock, ctx)
        row = session.exec(select(Notification)).one()
        assert row.status == "retry" and "451" in row.last_error
        sink.scripted = ["554 5.7.1 rejected"]
        clock.advance(30)
        drain(engine, clock, ctx)
        session.refresh(row)
        assert row.status == "failed" and "554" in row.last_error
    finally:
        sink.stop()


def test_an_unreachable_server_is_transient(session, engine, clock):
    sink = SmtpSink()      # never started: nothing listens on its port
    ctx = make_ctx([email_channel(sink)])
    send_one(session, engine, clock, ctx)
    row = session.exec(select(Notification)).one()
    assert row.status == "retry" and "cannot deliver" in row.last_error
