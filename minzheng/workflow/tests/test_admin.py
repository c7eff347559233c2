from minzheng.workflow.models import TransitionRecord

URL = "/admin/workflow/transitionrecord/"


def test_the_history_screen_lists_only_steps_in_the_users_scope(client, demo, cast):
    case = demo("accepted")
    client.force_login(cast.users.town)
    response = client.get(URL)
    assert response.status_code == 200
    assert [r.case_id for r in response.context["cl"].result_list] == [str(case.pk)] * 2
    client.force_login(cast.users.town_other)
    assert list(client.get(URL).context["cl"].result_list) == []


def test_history_is_read_only_and_hidden_from_the_public(client, demo, cast):
    demo("applied")
    record = TransitionRecord.objects.get()
    client.force_login(cast.users.town)
    assert client.get(f"{URL}add/").status_code == 403
    response = client.post(f"{URL}{record.pk}/change/", {"opinion": "改写"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.opinion == ""
    client.force_login(cast.users.public)
    assert client.get(URL).status_code in {302, 403}
