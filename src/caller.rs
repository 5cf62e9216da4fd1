//! Who is calling over HTTP: an operator, or one tenant. The API learns it from a bearer token
//! (`api::auth`), the console from a signed-in session that names one (`console::session`); both
//! then scope what they read and write by it the same way, so a tenant sees exactly what the API
//! shows it wherever it looks.

use uuid::Uuid;

use crate::config::Settings;

/// Who is calling: an operator, or one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A token of `DOMAIN_SCHEDULER_ADMIN_TOKENS`: sees every tenant.
    Admin,
    /// A token of `DOMAIN_SCHEDULER_API_TOKENS`: sees only this tenant.
    Tenant(Uuid),
}

impl Caller {
    /// The caller a token stands for, if it is known. Start-up refuses a token that is both an
    /// admin's and a tenant's, so the order of the checks decides nothing.
    pub fn of_token(settings: &Settings, token: &str) -> Option<Caller> {
        if settings.api.admin_tokens.contains(token) {
            return Some(Caller::Admin);
        }
        settings.api.tokens.tenant_of(token).map(Caller::Tenant)
    }

    /// The tenant a query is limited to: `None` (every tenant) for an admin.
    pub fn tenant_filter(self) -> Option<Uuid> {
        match self {
            Caller::Admin => None,
            Caller::Tenant(tenant) => Some(tenant),
        }
    }

    /// Who an action is recorded as done by, in the failures it writes.
    pub fn who(self) -> String {
        match self {
            Caller::Admin => "an admin".to_owned(),
            Caller::Tenant(tenant) => format!("tenant {tenant}"),
        }
    }
}

/// Why scheduler runs are an operator's view, as the API's refusal and the console's runs page
/// both say it.
pub const RUNS_ARE_ADMIN_ONLY: &str = "scheduler runs are an admin view: one run claims the due domains of every tenant, so its figures mix tenants";
