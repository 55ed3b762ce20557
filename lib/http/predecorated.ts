/**
 * @module
 * Headers the decorator layers add to every response whatever it is
 * (`cors`'s simple headers, then the security headers and HSTS) worked out
 * once at startup, so the file core can put them into the header sets it
 * precomputes. Responses built that way are marked, and the decorators pass
 * marked responses through untouched: changing `response.headers` after
 * construction costs more than serving a cached file, while the final
 * headers are exactly the ones the decorators would have produced.
 */

/** One header step in the order the decorators apply them, innermost first. */
export interface DecorationStep {
  /** Lower-case header name. */
  readonly name: string;
  /** The value. */
  readonly value: string;
  /** `override` replaces a value the response has; `keep` leaves it. */
  readonly mode: "override" | "keep";
}

/** Options for {@linkcode createPredecoration}. */
export interface PredecorationOptions {
  /** Headers set by the innermost decorator (`cors`), replacing the response's own. */
  override: readonly (readonly [string, string])[];
  /** Headers set next (`securityHeaders`), only where the response has none. */
  keep: readonly (readonly [string, string])[];
}

/** Startup-computed decorator headers plus the mark telling decorators they are in. */
export interface Predecoration {
  /** True when there is nothing to add (the file core then skips the work). */
  readonly empty: boolean;
  /** Returns `headers` (a plain lower-case record) with the decorator headers applied. */
  decorate(headers: Record<string, string>): Record<string, string>;
  /** Marks `response` as already carrying every decorator header; returns it. */
  mark(response: Response): Response;
  /** Whether `response` was built with the decorator headers (decorators skip it). */
  isMarked(response: Response): boolean;
}

/** A response that may carry a decoration's private mark. */
type MarkedResponse = Response & { [marker: symbol]: boolean | undefined };

/**
 * Builds the decoration for the decorators configured at startup. The mark
 * is a private symbol property (one per decoration): cheaper than a WeakSet,
 * which costs an ephemeron entry per response for the GC to trace.
 */
export function createPredecoration(options: PredecorationOptions): Predecoration {
  const marker = Symbol("berth.predecorated");
  const steps: DecorationStep[] = [
    ...options.override.map(([name, value]) => ({
      name: name.toLowerCase(),
      value,
      mode: "override" as const,
    })),
    ...options.keep.map(([name, value]) => ({
      name: name.toLowerCase(),
      value,
      mode: "keep" as const,
    })),
  ];
  return {
    empty: steps.length === 0,
    decorate(headers) {
      for (const step of steps) {
        if (step.mode === "keep" && Object.hasOwn(headers, step.name)) continue;
        headers[step.name] = step.value;
      }
      return headers;
    },
    mark(response) {
      if (steps.length > 0) (response as MarkedResponse)[marker] = true;
      return response;
    },
    isMarked(response) {
      return (response as MarkedResponse)[marker] === true;
    },
  };
}

/** A decoration that adds nothing (the file core used on its own, e.g. in tests). */
export const NO_PREDECORATION: Predecoration = createPredecoration({ override: [], keep: [] });
