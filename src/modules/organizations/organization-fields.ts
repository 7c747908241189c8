import { optionalHttpUrl, optionalText, requiredText } from '../users/identifiers';
import { checkSlug } from './slug';

/**
 * The organization fields three inputs share (signup's OrganizationInput, CreateOrganizationInput and
 * UpdateOrganizationInput), checked alike in one place. `prefix` names them in BAD_USER_INPUT's `field`
 * (`organization.` inside signup's input, nothing for the organization mutations).
 */
export interface OrganizationFields {
  name: string;
  industry: string | null;
  teamSize: string | null;
  logoUrl: string | null;
}

export interface RawOrganizationFields {
  name?: unknown;
  slug?: unknown;
  industry?: unknown;
  teamSize?: unknown;
  logoUrl?: unknown;
}

const TEAM_SIZE_MAX = 50;
const LOGO_URL_MAX = 2048;

/** Every field of a new organization (signup, createOrganization); a null or missing name is BAD_USER_INPUT. */
export function checkOrganizationFields(raw: RawOrganizationFields, maxStringLength: number, prefix = ''): OrganizationFields {
  return {
    name: requiredText(raw.name, `${prefix}name`, maxStringLength),
    industry: optionalText(raw.industry, `${prefix}industry`, maxStringLength),
    teamSize: optionalText(raw.teamSize, `${prefix}teamSize`, TEAM_SIZE_MAX),
    logoUrl: optionalHttpUrl(raw.logoUrl, `${prefix}logoUrl`, LOGO_URL_MAX),
  };
}

/** updateOrganization: omitted fields stay; null clears industry, teamSize or logoUrl (a null name or slug stays). */
export function checkOrganizationPatch(raw: RawOrganizationFields, maxStringLength: number): Partial<OrganizationFields & { slug: string }> {
  const patch: Partial<OrganizationFields & { slug: string }> = {};
  if (raw.name !== undefined && raw.name !== null) patch.name = requiredText(raw.name, 'name', maxStringLength);
  if (raw.slug !== undefined && raw.slug !== null) patch.slug = checkSlug(raw.slug)!;
  if (raw.industry !== undefined) patch.industry = optionalText(raw.industry, 'industry', maxStringLength);
  if (raw.teamSize !== undefined) patch.teamSize = optionalText(raw.teamSize, 'teamSize', TEAM_SIZE_MAX);
  if (raw.logoUrl !== undefined) patch.logoUrl = optionalHttpUrl(raw.logoUrl, 'logoUrl', LOGO_URL_MAX);
  return patch;
}
