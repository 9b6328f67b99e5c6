//! The entity selector: a combobox over the entities' full paths (ARIA 1.2
//! pattern), filtered as one types, operable with the keyboard alone.

use super::search::matching;
use super::state::Ctx;
use super::tr;
use super::wording::title_of;
use crate::domain::Entity;
use leptos::prelude::*;

/// How many matches the list shows; more means "type to narrow".
const SHOWN: usize = 100;

fn option_id(uuid: &str) -> String {
    format!("entity-option-{uuid}")
}

#[component]
pub fn EntityPicker() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let matches = Memo::new(move |_| {
        ctx.selection.entities.with(|list| {
            let list = list.as_deref().unwrap_or_default();
            let q = query.get();
            let found = matching(list, &q);
            let total = found.len();
            let shown: Vec<Entity> = found.into_iter().take(SHOWN).cloned().collect();
            (shown, total)
        })
    });
    let selected_name = move || {
        let uuid = ctx.selection.selected.get()?;
        ctx.selection.entities.with(|l| l.as_ref()?.iter().find(|e| e.uuid == uuid).map(|e| e.completename.clone()))
    };
    let choose = move |uuid: String| {
        open.set(false);
        query.set(String::new());
        ctx.selection.notice.set(None);
        if ctx.selection.selected.get_untracked().as_deref() != Some(uuid.as_str()) {
            ctx.select(uuid);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = matches.with_untracked(|(shown, _)| shown.len());
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                if !open.get_untracked() {
                    open.set(true);
                    active.set(0);
                } else if count > 0 {
                    let step = if ev.key() == "ArrowDown" { 1 } else { count - 1 };
                    active.update(|a| *a = (*a + step) % count);
                }
            }
            "Enter" if open.get_untracked() => {
                ev.prevent_default();
                let pick =
                    matches.with_untracked(|(shown, _)| shown.get(active.get_untracked()).map(|e| e.uuid.clone()));
                if let Some(uuid) = pick {
                    choose(uuid);
                }
            }
            "Escape" => {
                open.set(false);
                query.set(String::new());
            }
            _ => {}
        }
    };
    let active_id = move || {
        open.get().then(|| matches.with(|(shown, _)| shown.get(active.get()).map(|e| option_id(&e.uuid)))).flatten()
    };
    view! {
        <div class="picker">
            <label for="entity-input" id="entity-label">{tr(lang, "Entity")}</label>
            <input id="entity-input" type="text" role="combobox" autocomplete="off" spellcheck="false"
                aria-autocomplete="list" aria-controls="entity-list"
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=active_id
                placeholder=tr(lang, "Type to search entities")
                prop:value=move || if open.get() { query.get() } else { selected_name().unwrap_or_default() }
                on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); open.set(true); }
                on:focus=move |_| { query.set(String::new()); }
                on:click=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=on_key/>
            <ul id="entity-list" role="listbox" aria-labelledby="entity-label" class="picker__list" hidden=move || !open.get()>
                // Its options exist while it is open: the first status (and
                // every change of it) is not drawn with a hundred hidden ones.
                <For each=move || if open.get() { matches.get().0 } else { Vec::new() }.into_iter().enumerate()
                    key=|(i, e)| (*i, e.uuid.clone()) let:item>
                    {
                        let (i, entity) = item;
                        let uuid = entity.uuid.clone();
                        let is_selected = {
                            let uuid = uuid.clone();
                            move || (ctx.selection.selected.get().as_deref() == Some(uuid.as_str())).to_string()
                        };
                        // The status last known of it (the overview's, or
                        // its own last check): icon and colour, and the word
                        // for screen readers.
                        let known = {
                            let uuid = uuid.clone();
                            move || ctx.overview.statuses.with(|m| m.get(&uuid).map(|k| k.health.as_str()))
                        };
                        view! {
                            <li role="option" id=option_id(&entity.uuid) aria-selected=is_selected
                                class=("active", move || active.get() == i)
                                on:mousedown=move |ev| { ev.prevent_default(); choose(uuid.clone()); }>
                                {move || known().map(|state| view! {
                                    <span class=format!("dot dot--{state}") aria-hidden="true"></span>
                                    {entity.completename.clone()}
                                    <span class="visually-hidden">{format!(" ({})", title_of(state, lang.get()))}</span>
                                }.into_any()).unwrap_or_else(|| entity.completename.clone().into_any())}
                            </li>
                        }
                    }
                </For>
                {move || {
                    if !open.get() {
                        return None;
                    }
                    let (shown, total) = matches.get();
                    let l = lang.get();
                    if total == 0 {
                        Some(view! { <li class="picker__more" role="presentation">{l.tr("No entity matches.").to_string()}</li> })
                    } else if total > shown.len() {
                        Some(view! { <li class="picker__more" role="presentation">{l.trn(
                            "{n} more entity is not shown: type to narrow the list",
                            "{n} more entities are not shown: type to narrow the list",
                            (total - shown.len()) as u64,
                        )}</li> })
                    } else {
                        None
                    }
                }}
            </ul>
            {move || ctx.selection.notice.get().map(|asked| view! {
                <p class="picker__notice" role="alert">
                    {if asked.is_empty() {
                        lang.get().tr("This link names no entity you can see.").to_string()
                    } else {
                        lang.get().trf("This link names an entity you cannot see: {entity}", &[("entity", &asked)])
                    }}
                </p>
            })}
        </div>
    }
}
