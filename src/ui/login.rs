//! Sign-in with `base.ldapAuth`. The password lives in the field only: it is
//! cleared after each attempt, never stored, never put in a URL.

use super::state::{Ctx, Ended};
use super::tr;
use crate::api::{ApiError, ImagingApi};
use crate::i18n::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Why a sign-in failed, worded at display time.
#[derive(Clone)]
enum Refusal {
    /// The login or the password.
    Credentials,
    /// HTTP 401 from the agent itself: its own Basic credentials are wrong.
    AgentCredentials,
    /// The gateway's answers: the account lacks the imaging right, too
    /// many attempts, or passwords are not taken there.
    NotAllowed,
    Throttled,
    ConsoleOnly,
    Unreachable(ApiError),
}

impl Refusal {
    /// Why `e` refused a sign-in.
    fn of(e: ApiError) -> Self {
        match &e {
            ApiError::Http(401) => Refusal::AgentCredentials,
            ApiError::Problem { kind, .. } => match kind.as_str() {
                "forbidden" => Refusal::NotAllowed,
                "too-many-requests" => Refusal::Throttled,
                "password-sign-in-disabled" => Refusal::ConsoleOnly,
                _ => Refusal::Unreachable(e),
            },
            _ => Refusal::Unreachable(e),
        }
    }
}

impl Refusal {
    fn text(&self, lang: Lang) -> String {
        match self {
            Refusal::Credentials => lang.tr("Login or password incorrect.").into(),
            Refusal::AgentCredentials => lang.tr("The Medulla agent refused the connection itself (HTTP 401): its credentials in config.json or in the reverse proxy are wrong.").into(),
            Refusal::NotAllowed => lang.tr("Your Medulla account may not open the imaging module: ask an administrator for its right.").into(),
            Refusal::Throttled => lang.tr("Too many sign-in attempts: wait a moment, then try again.").into(),
            Refusal::ConsoleOnly => lang.tr("Sign in through the Medulla console: this installation takes no password here.").into(),
            Refusal::Unreachable(e) => {
                lang.trf("Medulla could not be reached; try again. ({error})", &[("error", &e.to_string())])
            }
        }
    }
}

#[component]
pub fn Login() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Refusal>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (user, secret) = (login.get_untracked(), password.get_untracked());
        password.set(String::new());
        spawn_local(async move {
            match ctx.api().sign_in(&user, &secret).await {
                Ok(true) => {
                    ctx.signed_in();
                    ctx.reload_after_sign_in();
                }
                Ok(false) => error.set(Some(Refusal::Credentials)),
                Err(e) => error.set(Some(Refusal::of(e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="login" method="post" on:submit=submit aria-labelledby="login-title">
            <h2 id="login-title">{tr(lang, "Sign in to Medulla")}</h2>
            {move || ctx.session.sign_on_refused.get().then(|| view! {
                <p class="login__notice" role="alert">{lang.get().tr("The Medulla console could not sign you in automatically (its sign-on token was refused or has expired). Sign in with your password.")}</p>
            })}
            {move || ctx.session.ended.get().map(|why| view! {
                <p class="login__notice" role="status">{match why {
                    Ended::ByUser => lang.get().tr("You have signed out.").to_string(),
                    Ended::Idle => {
                        let minutes = ctx.config.with_value(|c| c.idle_sign_out_seconds).div_ceil(60);
                        lang.get().trf(
                            "You were signed out after {minutes} min without activity. Sign in to go on.",
                            &[("minutes", &lang.get().int(minutes.into()))],
                        )
                    }
                }}</p>
            })}
            <label for="login-user">{tr(lang, "Login")}</label>
            <input id="login-user" name="username" autocomplete="username" required
                prop:value=move || login.get() on:input=move |ev| login.set(event_target_value(&ev))/>
            <label for="login-password">{tr(lang, "Password")}</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" required
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { lang.get().tr("Signing in…") } else { lang.get().tr("Sign in") }}
            </button>
            <p class="login__error" role="alert">{move || error.get().map(|e| e.text(lang.get()))}</p>
        </form>
    }
}
