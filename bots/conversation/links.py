"""Deep links that bring a customer into the merchant's conversation on a channel, and the links
that share them: the one place that knows each channel's link format."""

import re
import urllib.parse

from core.channels.models import ChannelAccount


def deep_link(account: ChannelAccount | None, base_url: str, slug: str, payload: str) -> str:
    """Opens the chat with `payload` as its start: Telegram's `?start=`, WhatsApp's prefilled
    text (`#payload`, found again however the customer edits the rest), the web chat's page."""
    if account is None:
        return f"{base_url}/a/{slug}/chat?start={payload}"
    if account.channel == "telegram":
        return f"https://t.me/{account.name.lstrip('@')}?start={payload}"
    digits = re.sub(r"\D", "", account.name)
    text = urllib.parse.quote(f"Let me in! #{payload}")
    return f"https://wa.me/{digits}?text={text}"


def share_link(account: ChannelAccount | None, invitation: str, link: str) -> str:
    """A link that opens the customer's app ready to pass `link` on to friends."""
    if account is not None and account.channel == "telegram":
        query = urllib.parse.urlencode({"url": link, "text": invitation})
        return f"https://t.me/share/url?{query}"
    if account is not None and account.channel == "whatsapp":
        return "https://wa.me/?" + urllib.parse.urlencode({"text": f"{invitation} {link}"})
    return link
