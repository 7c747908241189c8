import type { DeclaringModule, SettingDeclaration } from '../modules/declaration-types';
import { declaredEntriesOf, moduleDeclarationList, type Settings } from '../modules/declarations';

export type { Settings } from '../modules/declarations';

/** One setting with its key (`config.settings.<key>`) and the module that declares it. */
export type SettingEntry = SettingDeclaration & { key: string; module: string };

/** Every setting (non-numeric variable) of `modules`, with its owner; default: the product's modules. */
export function settingTableOf(modules: readonly DeclaringModule[] = moduleDeclarationList): readonly SettingEntry[] {
  return Object.freeze(declaredEntriesOf(modules).settings.map((e) => ({ ...e.value, key: e.key, module: e.module })));
}

/** `NAME: message`, whether or not the module's message already starts with the name. */
function refusal(env: string, message: string): string {
  return message.startsWith(`${env}: `) ? message : `${env}: ${message}`;
}

/**
 * Parses every setting of `modules` from `env` (trimmed; blank is unset): the text, or its
 * declared default, goes through the module's `parse`. A refusal is one problem line (`NAME: message`) and the
 * setting is left out; so is a setting production requires and `env` lacks. The caller throws when `problems`
 * is not empty, so a left-out setting is never read.
 */
export function parseSettings(
  env: Readonly<Record<string, string | undefined>>,
  modules: readonly DeclaringModule[],
  isProduction: boolean,
  problems: string[],
): Settings {
  const settings: Record<string, unknown> = {};
  for (const setting of settingTableOf(modules)) {
    const given = env[setting.env]?.trim() || undefined;
    if (given === undefined && isProduction && setting.requiredInProduction) {
      problems.push(`${setting.env}: required when NODE_ENV=production`);
      continue;
    }
    try {
      settings[setting.key] = setting.parse(given ?? setting.default ?? undefined, { isProduction });
    } catch (error) {
      problems.push(refusal(setting.env, error instanceof Error ? error.message : String(error)));
    }
  }
  return Object.freeze(settings) as Settings;
}
