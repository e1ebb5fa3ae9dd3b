import type { Account, ApiKey, MonitorEvent, RatePlan, Sim } from '../domain/models.js';
import { isoDate, rfc2822 } from './format.js';

// Domain records as Twilio's JSON: every documented key, null when unset.

export function simJson(sim: Sim, base: string) {
  const url = `${base}/v1/Sims/${sim.sid}`;
  return {
    sid: sim.sid,
    unique_name: sim.unique_name,
    account_sid: sim.account_sid,
    rate_plan_sid: sim.rate_plan_sid,
    friendly_name: sim.friendly_name,
    iccid: sim.iccid,
    e_id: sim.e_id,
    status: sim.status,
    reset_status: sim.reset_status,
    commands_callback_url: sim.commands_callback_url,
    commands_callback_method: sim.commands_callback_method,
    sms_fallback_method: sim.sms_fallback_method,
    sms_fallback_url: sim.sms_fallback_url,
    sms_method: sim.sms_method,
    sms_url: sim.sms_url,
    voice_fallback_method: sim.voice_fallback_method,
    voice_fallback_url: sim.voice_fallback_url,
    voice_method: sim.voice_method,
    voice_url: sim.voice_url,
    date_created: isoDate(sim.date_created),
    date_updated: isoDate(sim.date_updated),
    url,
    links: {
      data_sessions: `${url}/DataSessions`,
      rate_plan: sim.rate_plan_sid ? `${base}/v1/RatePlans/${sim.rate_plan_sid}` : null,
      usage_records: `${url}/UsageRecords`,
    },
    ip_address: sim.ip_address,
  };
}

export function ratePlanJson(plan: RatePlan, base: string) {
  return {
    sid: plan.sid,
    unique_name: plan.unique_name,
    account_sid: plan.account_sid,
    friendly_name: plan.friendly_name,
    data_enabled: plan.data_enabled,
    data_metering: plan.data_metering,
    data_limit: plan.data_limit,
    messaging_enabled: plan.messaging_enabled,
    voice_enabled: plan.voice_enabled,
    national_roaming_enabled: plan.national_roaming_enabled,
    national_roaming_data_limit: plan.national_roaming_data_limit,
    international_roaming: plan.international_roaming,
    international_roaming_data_limit: plan.international_roaming_data_limit,
    date_created: isoDate(plan.date_created),
    date_updated: isoDate(plan.date_updated),
    url: `${base}/v1/RatePlans/${plan.sid}`,
  };
}

const ACCOUNT_SUBRESOURCES = ['Keys'] as const;

export function accountJson(account: Account) {
  const uri = `/2010-04-01/Accounts/${account.sid}`;
  return {
    auth_token: account.auth_token,
    date_created: rfc2822(account.date_created),
    date_updated: rfc2822(account.date_updated),
    friendly_name: account.friendly_name,
    owner_account_sid: account.owner_account_sid,
    sid: account.sid,
    status: account.status,
    subresource_uris: Object.fromEntries(ACCOUNT_SUBRESOURCES.map((name) => [name.toLowerCase(), `${uri}/${name}.json`])),
    type: account.type,
    uri: `${uri}.json`,
  };
}

export function keyJson(key: ApiKey) {
  return {
    sid: key.sid,
    friendly_name: key.friendly_name,
    date_created: rfc2822(key.date_created),
    date_updated: rfc2822(key.date_updated),
  };
}

/** The actor's own resource: an account, or an API key under its account. */
function eventActorLink(event: MonitorEvent, base: string): string | null {
  if (event.actor_sid === null) return null;
  if (event.actor_type === 'api-key' && event.actor_account_sid) {
    return `${base}/2010-04-01/Accounts/${event.actor_account_sid}/Keys/${event.actor_sid}.json`;
  }
  if (event.actor_type === 'account') return `${base}/2010-04-01/Accounts/${event.actor_sid}.json`;
  return null;
}

function eventResourceLink(event: MonitorEvent, base: string): string | null {
  if (event.resource_sid === null) return null;
  if (event.resource_type === 'sim') return `${base}/v1/Sims/${event.resource_sid}`;
  return null;
}

export function eventJson(event: MonitorEvent, base: string) {
  const actor = eventActorLink(event, base);
  const resource = eventResourceLink(event, base);
  return {
    account_sid: event.account_sid,
    actor_sid: event.actor_sid,
    actor_type: event.actor_type,
    description: event.description,
    event_data: event.event_data,
    event_date: isoDate(event.event_date),
    event_type: event.event_type,
    resource_sid: event.resource_sid,
    resource_type: event.resource_type,
    sid: event.sid,
    source: event.source,
    source_ip_address: event.source_ip_address,
    url: `${base}/v1/Events/${event.sid}`,
    // Links to what does not exist (the system as actor) are left out rather than null.
    links: { ...(actor ? { actor } : {}), ...(resource ? { resource } : {}) },
  };
}
