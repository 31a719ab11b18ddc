"""The client's address behind trusted reverse proxies, and only behind them."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.web.client_address import client_address, network_of, parse_networks

PROXIES = parse_networks("10.0.0.0/8, ::1")


def test_a_request_from_the_proxy_is_traced_to_the_citizen() -> None:
    assert client_address("10.0.0.5", "203.0.113.7", PROXIES) == "203.0.113.7"


def test_a_chain_of_proxies_is_followed_to_the_first_untrusted_hop() -> None:
    # The citizen wrote "1.2.3.4" themselves; 203.0.113.7 is what the outer proxy saw.
    chain = "1.2.3.4, 203.0.113.7, 10.0.0.9"
    assert client_address("10.0.0.5", chain, PROXIES) == "203.0.113.7"


def test_a_client_writing_the_header_itself_is_not_believed() -> None:
    assert client_address("198.51.100.2", "1.2.3.4", PROXIES) == "198.51.100.2"


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address("10.0.0.5", "203.0.113.7", ()) == "10.0.0.5"


def test_a_malformed_hop_stops_at_the_last_good_address() -> None:
    assert client_address("10.0.0.5", "garbage, 10.0.0.9", PROXIES) == "10.0.0.9"
    assert client_address("::1", "2001:db8::1", PROXIES) == "2001:db8::1"


def test_a_bad_setting_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="not-an-ip"):
        Settings(trusted_proxies="10.0.0.1, not-an-ip")
    assert Settings(trusted_proxies=" 10.0.0.1 , 172.16.0.0/12 ").trusted_proxies


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)


@given(peer=addresses, header=st.text(max_size=300))
def test_an_untrusted_peer_is_always_its_own_address(peer: str, header: str) -> None:
    if any(ipaddress.ip_address(peer) in network for network in PROXIES):
        return
    assert client_address(peer, header, PROXIES) == peer


@given(header=st.text(max_size=300))
def test_any_header_gives_an_address_and_never_a_trusted_one_when_an_untrusted_hop_exists(
    header: str,
) -> None:
    found = client_address("10.0.0.5", header, PROXIES)
    ipaddress.ip_address(found)  # always an address, whatever the header holds


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:7:42::1", "2001:db8:7:42::/64"),
        ("2001:0DB8:0007:0042:a1b2:c3d4:e5f6:0001", "2001:db8:7:42::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4 seen by a server listening on IPv6
        ("", ""),
    ],
)
def test_a_limit_counts_an_ipv4_address_or_an_ipv6_network(address: str, network: str) -> None:
    assert network_of(address) == network
