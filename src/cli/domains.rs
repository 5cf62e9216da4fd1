//! `status` and `show`: reading domains and batches. Without `--tenant` each acts
//! across every tenant; a name several tenants have is shown only with `--tenant`.

use std::process::ExitCode;

use uuid::Uuid;

use super::{BadInput, CliError, open_read_only, parse_name};
use crate::config::Settings;
use crate::store;

pub async fn status(
    settings: &Settings,
    batch_id: Option<Uuid>,
    tenant: Option<Uuid>,
) -> Result<ExitCode, CliError> {
    let db = open_read_only(settings).await?;
    let json = match batch_id {
        None => serde_json::to_string_pretty(&store::batches::counts(&db, tenant).await?)?,
        Some(id) => {
            let Some(progress) = store::batches::progress(&db, tenant, id).await? else {
                return Err(CliError::NotFound(format!("batch {id} not found{}", in_tenant(tenant))));
            };
            serde_json::to_string_pretty(&progress)?
        }
    };
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

pub async fn show(settings: &Settings, domain: &str, tenant: Option<Uuid>) -> Result<ExitCode, CliError> {
    let name = parse_name(domain)?;
    let db = open_read_only(settings).await?;
    let row = find_one(&db, &name, tenant).await?;
    println!("{}", serde_json::to_string_pretty(&row)?);
    Ok(ExitCode::SUCCESS)
}

/// The row of `name` in `tenant`, or in whichever tenant has it: an error when none has it (exit
/// 1) or several do and no `--tenant` chooses (exit 2).
pub(super) async fn find_one(
    db: &sea_orm::DatabaseConnection,
    name: &crate::domain_name::DomainName,
    tenant: Option<Uuid>,
) -> Result<entity::domains::Model, CliError> {
    let row = match tenant {
        Some(tenant_id) => store::domains::find(db, tenant_id, name).await?,
        None => {
            let mut rows = store::domains::find_in_every_tenant(db, name).await?;
            if rows.len() > 1 {
                let tenants: Vec<String> = rows.iter().map(|row| row.tenant_id.to_string()).collect();
                return Err(BadInput(format!(
                    "{name} belongs to {} tenants ({}): choose one with --tenant",
                    rows.len(),
                    tenants.join(", ")
                ))
                .into());
            }
            rows.pop()
        }
    };
    row.ok_or_else(|| CliError::NotFound(format!("{name} not found{}", in_tenant(tenant))))
}

pub(super) fn in_tenant(tenant: Option<Uuid>) -> String {
    tenant.map(|id| format!(" in tenant {id}")).unwrap_or_default()
}
