"""URLs of the portal: public pages, the applicant's, and the staff workspaces."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from stroydesk.portal.forms import LoginForm, PasswordResetRequestForm
from stroydesk.portal.views import (
    applicant,
    authority,
    desk,
    kb_panel,
    public,
    security,
    supervisor,
)
from stroydesk.web.ratelimit import rate_limited

app_name = "portal"

urlpatterns = [
    path(
        "accounts/login/",
        rate_limited(public.LOGIN_PER_ADDRESS)(
            auth_views.LoginView.as_view(
                template_name="portal/auth/login.html",
                authentication_form=LoginForm,
                redirect_authenticated_user=True,
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        rate_limited(public.PASSWORD_RESET_PER_ADDRESS)(
            auth_views.PasswordResetView.as_view(
                template_name="portal/auth/password_reset.html",
                form_class=PasswordResetRequestForm,
                success_url=reverse_lazy("portal:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="portal/auth/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        public.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/auth/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("accounts/two-factor/", security.two_factor, name="two_factor"),
    path("accounts/two-factor/setup/", security.two_factor_setup, name="two_factor_setup"),
    path("accounts/security/", security.security, name="security"),
    path("accounts/security/keys/<int:pk>/revoke/", security.token_revoke, name="token_revoke"),
    path("accounts/security/recovery-codes/", security.recovery_codes_renew, name="recovery_codes"),
    path("accounts/password/", security.PasswordChange.as_view(), name="password_change"),
    path("", public.home, name="home"),
    path("accounts/signup/", public.signup, name="signup"),
    path("accounts/signup/sent/", public.signup_sent, name="signup_sent"),
    path("accounts/confirm/<uidb64>/<token>/", public.signup_confirm, name="signup_confirm"),
    path("track/", public.track, name="track"),
    path("track/code/", public.track_code, name="track_code"),
    path("track/request/", public.track_view, name="track_view"),
    # The applicant
    path("ask/", applicant.ask, name="ask"),
    path("ask/sent/<int:pk>/", applicant.ask_sent, name="ask_sent"),
    path("my/", applicant.my_requests, name="my_requests"),
    path("my/<int:pk>/", applicant.my_request, name="my_request"),
    path("my/<int:pk>/add/", applicant.my_request_add, name="my_request_add"),
    path("my/<int:pk>/reopen/", applicant.my_request_reopen, name="my_request_reopen"),
    path("my/<int:pk>/rate/", applicant.my_request_rate, name="my_request_rate"),
    path("my/<int:pk>/close/", applicant.my_request_close, name="my_request_close"),
    path("files/<int:pk>/", applicant.attachment_download, name="attachment"),
    # The operator
    path("desk/", desk.queue, name="queue"),
    path("desk/take/", desk.queue_take, name="queue_take"),
    path("desk/assign/", desk.queue_assign, name="queue_assign"),
    path("desk/phone/", desk.phone_intake, name="phone_intake"),
    path("desk/phone/lookup/", desk.phone_lookup, name="phone_lookup"),
    path("desk/requests/<int:pk>/", desk.card, name="desk_card"),
    path("desk/requests/<int:pk>/kb/", kb_panel.kb_panel, name="desk_kb_panel"),
    path("desk/requests/<int:pk>/take/", desk.card_take, name="desk_take"),
    path("desk/requests/<int:pk>/answer/", desk.card_answer, name="desk_answer"),
    path("desk/requests/<int:pk>/template/", desk.answer_template, name="desk_template"),
    path("desk/requests/<int:pk>/escalate/", desk.card_escalate, name="desk_escalate"),
    path("desk/requests/<int:pk>/reassign/", desk.card_reassign, name="desk_reassign"),
    path("desk/requests/<int:pk>/close/", desk.card_close, name="desk_close"),
    path("desk/requests/<int:pk>/note/", desk.card_note, name="desk_note"),
    path("desk/requests/<int:pk>/ask/", desk.card_ask, name="desk_ask"),
    path("desk/requests/<int:pk>/send-back/", desk.card_send_back, name="desk_send_back"),
    path("desk/requests/<int:pk>/query-reply/", desk.card_query_reply, name="desk_query_reply"),
    path("desk/requests/<int:pk>/reopen/", desk.card_reopen, name="desk_reopen"),
    path("desk/requests/<int:pk>/topic/", desk.card_topic, name="desk_topic"),
    path("desk/requests/<int:pk>/assign/", desk.card_assign, name="desk_assign"),
    # The specialist of an authority
    path("authority/", authority.inbox, name="authority_inbox"),
    path("authority/requests/<int:pk>/", authority.card, name="authority_card"),
    path("authority/requests/<int:pk>/answer/", authority.answer, name="authority_answer"),
    path("authority/requests/<int:pk>/decline/", authority.decline, name="authority_decline"),
    path("authority/requests/<int:pk>/query/", authority.query, name="authority_query"),
    # The supervisor
    path("supervisor/", supervisor.board, name="board"),
    path("supervisor/workload/", supervisor.workload, name="workload"),
    path("supervisor/audit/", supervisor.audit, name="audit"),
]
