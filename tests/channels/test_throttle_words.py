"""The channel page's "Rate limit" line reads the throttle each connector stores, in words."""

from channels.selectors import throttle_words


def test_shopifys_cost_bucket_reads_as_points_available_and_restore_rate():
    words = throttle_words({"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0, "restoreRate": 100.0,
                            "at": "2026-01-02T03:04:05+00:00"})

    assert words == "1990 cost points available of 2000 restored at 100 a second"


def test_amazons_per_operation_rates_read_as_requests_a_second_not_as_a_dict():
    words = throttle_words({"amazon": {"getOrders": {"rate": 0.0167}, "patchListingsItem": {"rate": 5.0}}})

    assert words == "Orders: 0.0167 request(s) a second; Stock updates: 5 request(s) a second"


def test_nothing_reported_reads_as_empty():
    assert throttle_words({}) == ""
