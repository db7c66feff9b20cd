import { Liquid } from 'liquidjs';
import { chargeOutput } from './render-limits.js';
import { withoutTableMarkers } from './text-part.js';

/** 'html' escapes what a value prints (&, <, >, quotes); 'text' prints it without the characters that mark a table. */
export type Engine = 'html' | 'text';

/**
 * The date filter names months and days in the system's locale. LiquidJS would ask Intl for that locale's name when the
 * engine is made (~12 ms of ICU start-up, in every command that compiles a template); an empty list of locales means
 * the same default to Intl, resolved only when a template formats a date.
 */
const systemLocale = [] as unknown as string;
const options = {
  strictVariables: true,
  strictFilters: true,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
  parseLimit: 1_000_000,
  locale: systemLocale,
};
export const engines: Record<Engine, Liquid> = {
  html: new Liquid({ ...options, outputEscape: 'escape' }),
  // The control characters that mark a table in the derived text part (text-part.ts) never come from a value.
  text: new Liquid({ ...options, outputEscape: withoutTableMarkers }),
};

for (const engine of Object.values(engines)) chargeOutput(engine); // the memory limit bounds all output, captures too

/**
 * Templates never read files. LiquidJS's include, render and layout would read any file under the
 * working folder into a message (a shared or downloaded campaign could mail out ~/.ssh or .env), so
 * they are refused when the template is parsed, before anything is sent.
 */
for (const engine of Object.values(engines)) {
  for (const tag of ['include', 'render', 'layout']) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`{% ${tag} %} reads another file, and mailshot templates cannot read files; put the text in this template`);
      },
      render() {},
    });
  }
}
