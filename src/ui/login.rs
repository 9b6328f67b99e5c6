//! Sign-in with `base.ldapAuth`. The password lives in the field only: it is
//! cleared after each attempt, never stored, never put in a URL.

use super::state::{Ctx, Ended};
use super::text;
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
    Unreachable(ApiError),
}

impl Refusal {
    fn text(&self, lang: Lang) -> String {
        match self {
            Refusal::Credentials => lang.tr("Login or password incorrect.", "Identifiant ou mot de passe incorrect.").into(),
            Refusal::AgentCredentials => lang.tr(
                "The Medulla agent refused the connection itself (HTTP 401): its credentials in config.json or in the reverse proxy are wrong.",
                "L’agent Medulla a refusé la connexion elle-même (HTTP 401) : ses identifiants dans config.json ou dans le proxy inverse sont erronés.",
            ).into(),
            Refusal::Unreachable(e) => {
                format!("{} ({e})", lang.tr("Medulla could not be reached; try again.", "Medulla est injoignable ; réessayez."))
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
                Err(ApiError::Http(401)) => error.set(Some(Refusal::AgentCredentials)),
                Err(e) => error.set(Some(Refusal::Unreachable(e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="login" method="post" on:submit=submit aria-labelledby="login-title">
            <h2 id="login-title">{text(lang, "Sign in to Medulla", "Connexion à Medulla")}</h2>
            {move || ctx.sign_on_refused.get().then(|| view! {
                <p class="login__notice" role="alert">{lang.get().tr(
                    "The Medulla console could not sign you in automatically (its sign-on token was refused or has expired). Sign in with your password.",
                    "La console Medulla n’a pas pu vous connecter automatiquement (son jeton de connexion a été refusé ou a expiré). Connectez-vous avec votre mot de passe.",
                )}</p>
            })}
            {move || ctx.ended.get().map(|why| view! {
                <p class="login__notice" role="status">{match why {
                    Ended::ByUser => lang.get().tr("You have signed out.", "Vous êtes déconnecté.").to_string(),
                    Ended::Idle => {
                        let minutes = ctx.config.with_value(|c| c.idle_sign_out_seconds).div_ceil(60);
                        match lang.get() {
                            Lang::En => format!("You were signed out after {minutes} min without activity. Sign in to go on."),
                            Lang::Fr => format!("Vous avez été déconnecté après {minutes} min sans activité. Connectez-vous pour continuer."),
                        }
                    }
                }}</p>
            })}
            <label for="login-user">{text(lang, "Login", "Identifiant")}</label>
            <input id="login-user" name="username" autocomplete="username" required
                prop:value=move || login.get() on:input=move |ev| login.set(event_target_value(&ev))/>
            <label for="login-password">{text(lang, "Password", "Mot de passe")}</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" required
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { lang.get().tr("Signing in…", "Connexion…") } else { lang.get().tr("Sign in", "Se connecter") }}
            </button>
            <p class="login__error" role="alert">{move || error.get().map(|e| e.text(lang.get()))}</p>
        </form>
    }
}
