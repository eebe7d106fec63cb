"""`yuqing send-test-alert CHANNEL`: send a test message through one configured channel.

Sends directly (not through the outbox) and prints the receiver's answer, so an
administrator sees at once whether the key, the signature, the keyword or the
SMTP login is right. Exit 0 when the receiver accepted the message, 1 when it
refused or could not be reached, 2 for an unusable config or an unknown channel.
"""

from __future__ import annotations

import asyncio
import sys
import time

import httpx

from alerts.channels import Message, channel_class
from alerts.errors import AlertError, ChannelError
from alerts.render import message_context
from alerts.routing import routing_context

from ..clock import SystemClock
from .common import add_config_option, load_or_explain


def register(sub) -> None:
    p = sub.add_parser("send-test-alert", help="send a test message through one configured channel")
    p.add_argument("channel", metavar="CHANNEL", help="the channel's name in [[channels]]")
    p.add_argument("--to", action="append", default=[], metavar="ADDRESS",
                   help="email channels: the address to send to (default: the channel's `to`)")
    add_config_option(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    config, _path = load_or_explain(args.config)
    names = [c.name for c in config.channels]
    chosen = next((c for c in config.channels if c.name == args.channel), None)
    if chosen is None:
        print(f"yuqing send-test-alert: no channel is named {args.channel!r} "
              f"(configured: {', '.join(names) or 'none'})", file=sys.stderr)
        return 2
    web = config.web
    ctx = routing_context(config.alerts, config.channels, base_url=web.base_url or f"http://{web.host}:{web.port}",
                          base_dir=config.base_dir)
    now = SystemClock().now()
    variables = message_context(kind="test", payload={"case_id": None}, now=now, base_url=ctx.base_url)
    cls = channel_class(chosen.kind)
    try:
        main = ctx.renderer.render("test", variables, cls.flavour)
        text = ctx.renderer.render("test", variables, "text").body
        html = ctx.renderer.render("test", variables, "html").body
    except AlertError as e:
        print(f"yuqing send-test-alert: {e}", file=sys.stderr)
        return 1
    message = Message(key=f"test:{int(now.timestamp())}:{chosen.name}", kind="other", subject=main.subject,
                      body=main.body, text=text, html=html, case_url=ctx.base_url, to=tuple(args.to))

    async def send() -> str:
        async with httpx.AsyncClient() as http:
            return await cls(chosen, http=http, wall=time.time).send(message)

    started = time.perf_counter()
    try:
        answer = asyncio.run(send())
    except ChannelError as e:
        print(f"{chosen.name} ({chosen.kind}): FAILED ({'permanent' if e.permanent else 'transient'}): {e.message}")
        if e.answer:
            print(f"receiver's answer: {e.answer}")
        return 1
    print(f"{chosen.name} ({chosen.kind}): OK in {time.perf_counter() - started:.2f}s")
    print(f"receiver's answer: {answer}")
    return 0
