import { type Html, html } from '../html.js';

/** A status as a coloured badge; the word itself carries the meaning, not the colour. */
export const statusBadge = (status: string): Html => html`<span class="badge status-${status}">${status}</span>`;
