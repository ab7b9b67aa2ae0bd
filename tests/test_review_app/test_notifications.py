"""The one notification service: in-app, e-mail (a local SMTP sink) and SMS (a local fake gateway), each
channel's delivery status, the de-duplication within an hour, the notification centre with the top bar's
unread count, and the outbox in Beijing time."""

from datetime import timedelta

from sqlmodel import select

from review_app.models import AuditEvent, DeliveryStatus, Notification, NotificationDelivery, User
from review_app.services.platform import notify
from tests.factories import make_expert, make_user
from tests.fake_servers import SmsGateway, SmtpSink


def _deliveries(session, message) -> dict[str, NotificationDelivery]:
    rows = session.exec(select(NotificationDelivery).where(NotificationDelivery.notification_id == message.id))
    return {d.channel.value: d for d in rows}


def test_a_message_goes_in_app_by_mail_and_by_sms_each_with_its_status(app, session):
    expert = make_expert(session, code="E4101", name="李娜")
    expert.email, expert.phone = "lina@example.cn", "13812345678"
    account = make_user(session, "e4101", "expert", expert_code="E4101")
    with SmtpSink() as sink, SmsGateway() as gateway:
        app.config.update(SMTP_URL=sink.url, SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="t0ken",
                          SMS_TEMPLATE="【测试】{name}：{subject}")
        with app.test_request_context():
            sent = notify.post(session, to=notify.recipient(session, user=account), kind="test",
                               subject="评审任务已发布", body="请登录系统查看分配给您的申报。")
        session.commit()
    assert not sent.duplicate and sent.message.status == DeliveryStatus.SENT
    channels = _deliveries(session, sent.message)
    assert {k: (d.status.value, d.address) for k, d in channels.items()} == {
        "in_app": ("sent", "e4101"), "email": ("sent", "lina@example.cn"), "sms": ("sent", "13812345678")}
    assert sink.mails[0][0] == ["lina@example.cn"] and sink.mails[0][1]["Subject"] == "评审任务已发布"
    assert "请登录系统" in sink.mails[0][1].get_content()
    assert gateway.requests == [{"path": "/sms", "auth": "Bearer t0ken", "to": "13812345678",
                                 "text": "【测试】李娜：评审任务已发布"}]


def test_a_refusing_gateway_and_a_missing_mail_server_show_in_the_statuses(app, session):
    expert = make_expert(session, code="E4102")
    expert.email, expert.phone = "e4102@example.cn", "13812345679"
    with SmsGateway() as gateway:
        gateway.status = 503
        app.config.update(SMTP_URL=None, SMS_GATEWAY_URL=gateway.url)
        with app.test_request_context():
            sent = notify.post(session, to=notify.expert_recipient(session, expert), kind="test", subject="s",
                               body="b")
    channels = _deliveries(session, sent.message)
    assert channels["sms"].status == DeliveryStatus.FAILED and "503" in channels["sms"].error
    assert channels["email"].status == DeliveryStatus.PENDING  # waits in the outbox
    assert sent.message.status == DeliveryStatus.FAILED and "in_app" not in channels  # no account yet


def test_the_same_message_within_an_hour_is_sent_once(app, session):
    expert = make_expert(session, code="E4103")
    expert.email, expert.phone = "e4103@example.cn", "13812345670"
    with SmtpSink() as sink, SmsGateway() as gateway:
        app.config.update(SMTP_URL=sink.url, SMS_GATEWAY_URL=gateway.url)
        with app.test_request_context():
            to = notify.expert_recipient(session, expert)
            first = notify.post(session, to=to, kind="reminder", subject="提醒", body="请评分", round_id=None)
            again = notify.post(session, to=to, kind="reminder", subject="提醒", body="请评分")
            other = notify.post(session, to=to, kind="reminder", subject="提醒", body="另一条")
            assert again.duplicate and again.message.id == first.message.id and not other.duplicate
            first.message.created_at -= timedelta(minutes=61)
            other.message.created_at -= timedelta(minutes=61)
            session.flush()
            later = notify.post(session, to=to, kind="reminder", subject="提醒", body="请评分")
        assert not later.duplicate
        assert len(sink.mails) == 3 and len(gateway.requests) == 3


def test_pressing_remind_twice_reminds_once(client, auth, users, session, app):
    from review_app.models import Expert
    from tests.factories import make_scoring_round

    expert = session.get(Expert, users["expert"].expert_id)
    expert.email = "zhangwei@example.cn"
    review_round, _apps, _sheets = make_scoring_round(session, experts=[expert])
    session.commit()
    with SmtpSink() as sink:
        app.config["SMTP_URL"] = sink.url
        auth.login("admin1")
        first = auth.post(f"/admin/rounds/{review_round.id}/progress/remind", follow_redirects=True).text
        second = auth.post(f"/admin/rounds/{review_round.id}/progress/remind", follow_redirects=True).text
    assert "已提醒 1 位" in first and "已提醒 0 位" in second and "1 位专家在一小时内已收到同样的提醒" in second
    assert len(sink.bodies_to("zhangwei@example.cn")) == 1
    assert len(session.exec(select(Notification).where(Notification.kind == "reminder")).all()) == 1


def test_every_role_sees_its_unread_count_and_reads_its_messages(client, auth, users, session, app):
    for role in ("admin", "auditor", "nanjing", "expert"):
        with app.test_request_context():
            notify.send(session, user=users[role], email=None, kind="test", subject=f"给{role}的通知", body="正文")
    session.commit()
    for role, username in (("admin", "admin1"), ("auditor", "auditor1"), ("nanjing", "nanjing1"),
                           ("expert", "expert1")):
        auth.login(username)
        page = client.get("/notifications/").text
        assert 'id="unread-count">1<' in page and f"给{role}的通知" in page and "未读" in page
        assert auth.post("/notifications/read").status_code == 302
        page = client.get("/notifications/").text
        assert 'id="unread-count"' not in page and "未读" not in page.split('id="inbox"')[1]
        auth.logout()
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "notifications.read")).all()
    assert len(events) == 4


def test_the_centre_reads_each_message_status_per_channel(client, auth, users, session, app):
    city_user = session.exec(select(User).where(User.username == "nanjing1")).one()
    city_user.email = "nj@kjj.example.cn"
    with app.test_request_context():
        notify.send(session, user=city_user, email=None, kind="test", subject="形式审查结果", body="正文")
    session.commit()
    auth.login("admin1")
    page = client.get("/admin/notifications").text
    assert "形式审查结果" in page and "站内: 已送达" in page and "电子邮箱: 待发送（发件箱）" in page
    assert "形式审查结果" not in client.get("/admin/notifications?status=sent").text
    assert "形式审查结果" in client.get("/admin/notifications?status=pending").text


def test_the_outbox_prints_beijing_time(client, auth, users, session, app):
    from review_app.models import Round, RoundKind
    from review_app.models._base import utcnow
    from review_app.services.platform.localtime import local_time

    review_round = Round(name="发件箱", year=2026, kind=RoundKind.NEW_CONSORTIUM)
    session.add(review_round)
    session.flush()
    with app.test_request_context():
        message = notify.send(session, user=None, email="x@example.cn", kind="reminder", subject="s", body="b",
                              round_id=review_round.id)
    message.created_at = utcnow().replace(hour=23, minute=30, second=0, microsecond=0)
    session.commit()
    auth.login("admin1")
    lines = client.get(f"/admin/rounds/{review_round.id}/outbox.csv").data.decode("utf-8-sig").splitlines()
    assert lines[1].startswith(local_time(message.created_at) + ",") and " 07:30," in lines[1]


def test_a_contact_line_gives_an_address_and_a_mobile():
    found = notify.contact_recipient("王先生 电话 138-1234-5678，邮箱 wang@example.cn")
    assert (found.email, found.phone) == ("wang@example.cn", "13812345678")
    assert notify.contact_recipient("来信，无联系方式") == notify.Recipient()
