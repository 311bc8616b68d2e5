"""Social-media platforms and leaving-notice words (content/probes/social_platforms.yaml): which links
lead to social media, and how an interstitial page says the user is leaving."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml


@dataclass(frozen=True)
class Platforms:
    hosts: dict[str, str]  # host -> platform
    notice_words: tuple[str, ...]

    @classmethod
    @cache
    def load(cls) -> Platforms:
        text = resources.files("ccaudit").joinpath("content/probes/social_platforms.yaml").read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        hosts = {str(h).lower(): str(name) for name, hs in raw["platforms"].items() for h in hs}
        return cls(hosts, tuple(str(w).lower() for w in raw["notice_words"]))

    def platform(self, url: str) -> str | None:
        """The platform an http(s) URL is on (its host or a parent domain listed), else None."""
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower().rstrip(".")
        while host:
            if host in self.hosts:
                return self.hosts[host]
            host = host.partition(".")[2]
        return None

    def social_target(self, href: str, same_site: bool) -> tuple[str, str] | None:
        """(platform, the social-media URL) when a link leads to social media: directly, or, for a link on
        the same site, through a URL in its query (/leave?url=https%3A%2F%2Fwww.facebook.com%2F...)."""
        found = self.platform(href)
        if found:
            return found, href
        if same_site:
            for _, value in parse_qsl(urlsplit(href).query, keep_blank_values=False):
                for candidate in (value, unquote(value)):
                    found = self.platform(candidate)
                    if found:
                        return found, candidate
        return None
