"""What jsonb can keep of a payload: NUL characters and unpaired surrogates are dropped wherever they are (keys
included); a payload holding neither is handed back as it is, without a copy (the fast path of intake)."""

from decimal import Decimal

from intake.services import payload_storable


def test_a_clean_payload_is_returned_as_it_is():
    payload = {"id": 1, "lines": [{"sku": "MUG", "note": "é"}], "ok": None}
    assert payload_storable(payload) is payload
    written = {"note": "\\u0000 is text here, not a NUL"}  # looks like one in JSON: checked, and kept
    assert payload_storable(written) == written


def test_nul_characters_and_lone_surrogates_are_dropped_everywhere():
    payload = {"na\x00me": "a\x00b", "lines": [{"sku": "M\ud800UG"}, "x\x00"], "n": 3}
    assert payload_storable(payload) == {"name": "ab", "lines": [{"sku": "MUG"}, "x"], "n": 3}


def test_values_json_cannot_write_are_walked_and_kept():
    payload = {"price": Decimal("9.50"), "name": "a\x00b"}
    assert payload_storable(payload) == {"price": Decimal("9.50"), "name": "ab"}
