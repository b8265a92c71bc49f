"""A form with errors starts with a summary linking to each field, and the server's own message is shown even
for what a browser's check would have stopped (every form is novalidate)."""

import re

from django.urls import reverse

from tests.conftest import in_tenant


def test_a_form_with_errors_starts_with_a_summary_linking_to_each_field(world):
    response = world.client_for(world.admin).post(reverse("member_add"), {"email": "not-an-email", "role": "nope"})
    html = response.content.decode()
    assert response.status_code == 422
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "There are problems" in summary
    assert '<a href="#id_email">Email: Enter a valid email address.</a>' in summary
    assert '<a href="#id_role">Role: Select a valid choice.' in summary
    assert 'id="id_email"' in html and 'id="id_role"' in html  # the anchors exist


def test_one_summary_for_a_form_drawn_in_parts(world):
    client = world.client_for(world.admin)
    response = client.post(reverse("order_rule_new", args=[world.store.pk]), {"name": "", "act_hold": "on"})
    html = response.content.decode()
    assert response.status_code == 422 and html.count('class="error-summary"') == 1
    assert 'href="#id_name"' in html


def test_every_form_on_the_main_pages_leaves_checking_to_the_server(world):
    client = world.client_for(world.admin)
    urls = [reverse("organization"), reverse("account_settings", args=[world.store.pk, "users"]),
            reverse("account_settings", args=[world.store.pk, "warehouses"]), reverse("two_factor"),
            reverse("order_rule_new", args=[world.store.pk]), reverse("intake_new_order", args=[world.store.pk])]
    for url in urls:
        in_tenant(world.org)
        html = client.get(url).content.decode()
        forms = re.findall(r"<form\b[^>]*>", html)
        assert forms and all("novalidate" in form for form in forms), (url, [f for f in forms if "novalidate" not in f])
    assert "novalidate" in world.client_for(None).get("/login/").content.decode()
