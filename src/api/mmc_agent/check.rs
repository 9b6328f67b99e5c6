//! One check of an entity: its imaging server's status and relay, its
//! counts and activity, what it hears early held until its topology is
//! settled.

use super::answers::*;
use super::topology::{still_serving, Look, ServerConfig, Serving};
use super::{MmcAgent, ACTIVITY_LINES};
use crate::api::http::Http;
use crate::api::xmlrpc::Value;
use crate::api::{ApiError, OnProgress, Progress};
use crate::domain::*;
use crate::sync::lock;
use futures::future::{join, join3, select, Either};
use std::sync::Mutex;

/// Once the relay list has answered, how long the imaging server may take
/// before the screen says that it is slow to answer.
pub(super) const SLOW_SERVER_MS: u32 = 2_000;

/// What a check hears before something it depends on is settled: held
/// until then, then passed on (changed by `apply` with what was settled)
/// or, when it is settled against, dropped.
pub(super) struct Held<'a, T> {
    settled: Mutex<Option<Option<T>>>,
    heard: Mutex<Vec<Progress>>,
    progress: &'a OnProgress<'a>,
    apply: fn(&T, Progress) -> Progress,
}

impl<'a, T: Clone> Held<'a, T> {
    pub(super) fn new(progress: &'a OnProgress<'a>, apply: fn(&T, Progress) -> Progress) -> Self {
        Held { settled: Mutex::new(None), heard: Mutex::new(Vec::new()), progress, apply }
    }

    pub(super) fn hear(&self, p: Progress) {
        let settled = lock(&self.settled).clone();
        match settled {
            None => lock(&self.heard).push(p),
            Some(Some(value)) => (self.progress)((self.apply)(&value, p)),
            Some(None) => {}
        }
    }

    /// Settles with `Some(value)` (what was heard is passed on) or `None`
    /// (dropped).
    pub(super) fn settle(&self, to: Option<T>) {
        *lock(&self.settled) = Some(to.clone());
        let heard = std::mem::take(&mut *lock(&self.heard));
        if let Some(value) = to {
            heard.into_iter().for_each(|p| (self.progress)((self.apply)(&value, p)));
        }
    }
}

impl<H: Http> MmcAgent<H> {
    /// The relays, or `None` when the list is unreadable.
    pub(super) async fn relays(&self) -> Result<Option<Vec<Relay>>, ApiError> {
        let params = [Value::Int(-1), Value::Int(-1), Value::str(""), Value::str("all")];
        Ok(relays_from(&self.call("xmppmaster.get_xmpprelays_list", &params).await?))
    }

    /// What the imaging server of `owner` says of itself, with the relay
    /// list asked at the same time: `Ok(figures)` when it answered, else
    /// `Err(presence of its relay)`. While the server keeps the agent
    /// waiting, `progress` hears it, and a server whose relay is absent is
    /// reported Offline at once (`provisional`).
    pub(super) async fn server_answer(
        &self,
        owner: &str,
        url: Option<&str>,
        provisional: &StatusReport,
        progress: &OnProgress<'_>,
    ) -> Result<Result<ServerFigures, RelayPresence>, ApiError> {
        let global = Box::pin(async {
            let params = [Value::str(owner)];
            figures_from(&self.call_within("imaging.getGlobalStatus", &params, true).await?)
        });
        let relays = Box::pin(self.relays());
        let (global, relays) = match select(global, relays).await {
            Either::Left((global, relays)) => {
                if let Ok(Some(figures)) = global {
                    return Ok(Ok(figures));
                }
                (global, relays.await)
            }
            Either::Right((relays, global)) => {
                let presence = relays.as_ref().ok().map(|r| relay_presence(url, r.as_deref()));
                let global = match presence {
                    Some(RelayPresence::Absent) => {
                        let offline = ServerStatus::Offline(RelayPresence::Absent);
                        progress(Progress::Provisional(StatusReport { status: offline, ..provisional.clone() }));
                        global.await
                    }
                    Some(_) => match select(global, Box::pin(self.http.sleep(SLOW_SERVER_MS))).await {
                        Either::Left((global, _)) => global,
                        Either::Right((_, global)) => {
                            progress(Progress::ImagingServerSlow);
                            global.await
                        }
                    },
                    None => global.await,
                };
                (global, relays)
            }
        };
        let relays = match relays {
            Ok(relays) => Some(relays),
            Err(ApiError::SignedOut) => return Err(ApiError::SignedOut),
            Err(_) => None,
        };
        let figures = match global {
            Ok(figures) => figures,
            // The agent answers the other calls: it is the imaging server
            // that does not answer.
            Err(ApiError::Timeout) if relays.is_some() => None,
            Err(e) => return Err(e),
        };
        Ok(figures.ok_or_else(|| relay_presence(url, relays.flatten().as_deref())))
    }

    /// The status of `server`, the imaging server of `owner`, with its
    /// figures when it answers; `report` is what a provisional answer says
    /// besides the status. Asked about the owner: the same server as for
    /// an entity it serves, and the counts of Medulla's database mean
    /// something only there (`getEntityStatus` counts the computers of the
    /// entity asked about that sit on a server of that same entity).
    pub async fn check_server(
        &self,
        report: &StatusReport,
        owner: &str,
        server: &ServerConfig,
        progress: &OnProgress<'_>,
    ) -> Result<ServerStatus, ApiError> {
        // The counts and the activity come from Medulla's database, not
        // from the imaging server (`getCustomMenuCount`, `getLogs4Location`
        // in services/mmc/plugins/imaging/functions.py): asked at the same
        // time as its status, and used only if it answers.
        let page = [Value::Int(0), Value::Int(ACTIVITY_LINES), Value::str("")];
        let (answer, custom, activity) = join3(
            self.server_answer(owner, server.url.as_deref(), report, progress),
            self.optional("imaging.getCustomMenuCount", owner, &[], |v| v.as_i64().map(|n| n.max(0) as u64)),
            self.optional("imaging.getLogs4Location", owner, &page, |v| Some(activity_from(v))),
        )
        .await;
        Ok(match answer? {
            Ok(mut figures) => {
                figures.custom_menus = custom?;
                figures.activity = activity?.unwrap_or_default();
                ServerStatus::Available(Box::new(figures))
            }
            Err(relay) => server_status(None, relay),
        })
    }

    /// The status of `entity` served as `serving` says.
    pub(super) async fn status_served(
        &self,
        entity: &str,
        serving: &Serving,
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError> {
        let mut report = StatusReport::not_linked(entity);
        let Some((owner, server)) = serving else { return Ok(report) };
        if owner != entity {
            report.inherited_from = Some(owner.clone());
        }
        report.server_name = server.name.clone();
        report.status = self.check_server(&report, owner, server, progress).await?;
        Ok(report)
    }

    /// The status of `entity` by its topology `known`, confirmed in the same
    /// round by the server Medulla resolves for it now; `None` when that
    /// server is another (the topology is then forgotten). What the check
    /// learns early is passed on once the topology is confirmed.
    pub(super) async fn status_confirmed(
        &self,
        entity: &str,
        known: &Serving,
        progress: &OnProgress<'_>,
    ) -> Result<Option<StatusReport>, ApiError> {
        let held = Held::new(progress, |_: &(), p| p);
        let confirm = Box::pin(async {
            let holds = still_serving(&self.server_config(entity).await?, known);
            if holds {
                self.learnt(entity, known.clone());
            }
            held.settle(holds.then_some(()));
            Ok::<_, ApiError>(holds)
        });
        let hear = |p| held.hear(p);
        let check = Box::pin(self.status_served(entity, known, &hear));
        // Contradicted: the topology is forgotten, the check of it dropped.
        let forget = || {
            self.topology().remove(entity);
            Ok(None)
        };
        let report = match select(confirm, check).await {
            Either::Left((holds, check)) => match holds? {
                true => check.await,
                false => return forget(),
            },
            Either::Right((report, confirm)) => match confirm.await? {
                true => report,
                false => return forget(),
            },
        };
        report.map(Some)
    }

    /// The status of `entity`, whose server `server` is inherited from one
    /// of its ancestors `path`, not known yet. Which one is learnt in the
    /// same round as the server is asked about `entity` itself: Medulla
    /// resolves the same server for it (`getGlobalStatus` through
    /// `chooseImagingApiUrl`, services/mmc/plugins/imaging/functions.py),
    /// so its answer is the verdict. A server that does not answer is
    /// reported then; one that answers is shown at once, its counts and
    /// activity marked pending, then checked for its owner, where Medulla's
    /// counts mean something (`getEntityStatus` counts 0 for an entity
    /// that inherits its server): a first check takes two rounds to its
    /// verdict, not three.
    pub(super) async fn status_inherited(
        &self,
        entity: &str,
        server: ServerConfig,
        path: &[String],
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError> {
        let mut report = StatusReport::not_linked(entity);
        report.server_name = server.name.clone();
        // What the check hears early says whose server it is, once known.
        let held = Held::new(progress, |owner: &String, p| match p {
            Progress::Provisional(report) => {
                Progress::Provisional(StatusReport { inherited_from: Some(owner.clone()), ..report })
            }
            p => p,
        });
        let owner = async {
            let owner = self.owner_among(path, &server, false).await;
            held.settle(owner.as_ref().ok().cloned());
            owner
        };
        let hear = |p| held.hear(p);
        let answer = self.server_answer(entity, server.url.as_deref(), &report, &hear);
        let (owner, answer) = join(owner, answer).await;
        let owner = owner?;
        report.inherited_from = Some(owner.clone());
        let serving = self.learnt(entity, Some((owner, server)));
        match answer? {
            Err(relay) => {
                report.status = server_status(None, relay);
                Ok(report)
            }
            Ok(figures) => {
                let figures = ServerFigures { counts_pending: true, ..figures };
                let verdict = StatusReport { status: ServerStatus::Available(Box::new(figures)), ..report };
                progress(Progress::Provisional(verdict));
                self.status_served(entity, &serving, progress).await
            }
        }
    }

    /// The status of `entity`: by its topology when it is valid and `may_trust`
    /// it, else when it is known and still holds, else learnt now.
    pub(super) async fn status_now(
        &self,
        entity: &str,
        may_trust: bool,
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError> {
        if let Some(valid) = self.valid(entity).filter(|_| may_trust) {
            return self.status_served(entity, &valid, progress).await;
        }
        if let Some(known) = self.known(entity) {
            if let Some(report) = self.status_confirmed(entity, &known, progress).await? {
                return Ok(report);
            }
        }
        // Taken out of its lock before any wait.
        let looked = lock(&self.looked).remove(entity);
        let look = match looked {
            Some(look) => look,
            None => self.first_look(entity).await?,
        };
        let serving = match look {
            Look::Settled(serving) => serving,
            Look::Inherited(server, path) => return self.status_inherited(entity, server, &path, progress).await,
        };
        let serving = self.learnt(entity, serving);
        self.status_served(entity, &serving, progress).await
    }

    /// Extra figures of an available server; a failure other than a lost
    /// session leaves them out rather than hiding the status.
    pub(super) async fn optional<T>(
        &self,
        method: &str,
        entity: &str,
        extra: &[Value],
        read: fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        let mut params = vec![Value::str(entity)];
        params.extend_from_slice(extra);
        match self.call(method, &params).await {
            Ok(v) => Ok(read(&v)),
            Err(ApiError::SignedOut) => Err(ApiError::SignedOut),
            Err(_) => Ok(None),
        }
    }
}
