import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsIP, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID,
  Matches, Max, MaxLength, Min, ValidateBy, ValidateIf, ValidateNested,
} from 'class-validator';

/**
 * Field decorators that state each rule once: class-validator for the pipe and @ApiProperty for OpenAPI.
 * `optional` accepts a missing field; `nullable` also accepts null.
 */
interface Common {
  optional?: boolean;
  nullable?: boolean;
  description?: string;
  example?: unknown;
}

function presence(o: Common): PropertyDecorator[] {
  if (o.nullable) return [IsOptional()];
  if (o.optional) return [ValidateIf((_, v) => v !== undefined)];
  return [];
}

function doc(o: Common, extra: Record<string, unknown>): PropertyDecorator {
  const options = { description: o.description, example: o.example, nullable: o.nullable || undefined, ...extra };
  return o.optional || o.nullable ? ApiPropertyOptional(options) : ApiProperty(options);
}

export function Text(o: Common & { max?: number; pattern?: RegExp; patternMessage?: string } = {}) {
  const max = o.max ?? 200;
  return applyDecorators(
    doc(o, { type: String, minLength: 1, maxLength: max, pattern: o.pattern?.source }),
    ...presence(o),
    IsString(),
    IsNotEmpty(),
    MaxLength(max),
    ...(o.pattern ? [Matches(o.pattern, { message: o.patternMessage ?? `$property must match ${o.pattern.source}` })] : []),
  );
}

/** A resource name: 1–200 printable characters, no leading or trailing blank. */
export function Name(o: Common = {}) {
  return Text({ ...o, max: 200, pattern: /^\S(.*\S)?$/, patternMessage: '$property must not start or end with a blank' });
}

export function Int(o: Common & { min?: number; max?: number } = {}) {
  return applyDecorators(
    doc(o, { type: 'integer', minimum: o.min, maximum: o.max }),
    ...presence(o),
    IsInt(),
    ...(o.min !== undefined ? [Min(o.min)] : []),
    ...(o.max !== undefined ? [Max(o.max)] : []),
  );
}

/**
 * A decimal integer from a URL (always a string on the wire): only plain digits become a number, so
 * `0x10`, `1e3`, ` 7` or `1.0` stay strings and are refused as not an integer.
 */
export const DecimalInt = () => Transform(({ value }) => (typeof value === 'string' && /^-?(0|[1-9][0-9]*)$/.test(value) ? Number(value) : value));

/** An integer from the query string. */
export function QueryInt(o: Common & { min: number; max: number; default: number }) {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: o.min, maximum: o.max, default: o.default, description: o.description }),
    IsOptional(),
    DecimalInt(),
    IsInt(),
    Min(o.min),
    Max(o.max),
  );
}

export function Bool(o: Common = {}) {
  return applyDecorators(doc(o, { type: Boolean }), ...presence(o), IsBoolean());
}

export function OneOf(values: readonly string[], enumName: string, o: Common = {}) {
  return applyDecorators(
    doc(o, { enum: values, enumName }),
    ...presence(o),
    IsIn(values as string[], { message: `$property must be one of: ${values.join(', ')}` }),
  );
}

export function Uuid(o: Common = {}) {
  return applyDecorators(doc(o, { type: String, format: 'uuid' }), ...presence(o), IsUUID('all'));
}

/** @nestjs/swagger resolves a lazy type only when the function is literally named `type`. */
function lazy(cls: () => new () => object) {
  const type = () => cls();
  return type;
}

export function Nested(cls: () => new () => object, o: Common = {}) {
  return applyDecorators(doc(o, { type: lazy(cls) }), ...presence(o), IsObject(), ValidateNested(), Type(cls));
}

export function NestedArray(cls: () => new () => object, o: Common & { min?: number; max: number }) {
  return applyDecorators(
    doc(o, { type: lazy(cls), isArray: true, minItems: o.min, maxItems: o.max }),
    ...presence(o),
    IsArray(),
    ArrayMinSize(o.min ?? 0),
    ArrayMaxSize(o.max),
    ValidateNested({ each: true }),
    Type(cls),
  );
}

export function TextArray(o: Common & { min?: number; max: number; itemMax?: number }) {
  return applyDecorators(
    doc(o, { type: String, isArray: true, minItems: o.min, maxItems: o.max, items: { type: 'string', minLength: 1, maxLength: o.itemMax ?? 200 } }),
    ...presence(o),
    IsArray(),
    ArrayMinSize(o.min ?? 0),
    ArrayMaxSize(o.max),
    IsString({ each: true }),
    IsNotEmpty({ each: true }),
    MaxLength(o.itemMax ?? 200, { each: true }),
  );
}

export function IpArray(o: Common & { min?: number; max: number; version?: 4 | 6 }) {
  return applyDecorators(
    doc(o, { type: String, isArray: true, minItems: o.min, maxItems: o.max }),
    ...presence(o),
    IsArray(),
    ArrayMinSize(o.min ?? 0),
    ArrayMaxSize(o.max),
    IsIP(o.version, { each: true, message: `each value in $property must be an IP${o.version ? `v${o.version}` : ''} address` }),
  );
}

export function Ip(o: Common & { version?: 4 | 6 } = {}) {
  return applyDecorators(doc(o, { type: String }), ...presence(o), IsIP(o.version, { message: `$property must be an IP${o.version ? `v${o.version}` : ''} address` }));
}

/** How deep a JSON value nests (a scalar is 0, `{}` or `[]` is 1). The body's own depth bound keeps this shallow. */
function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value).map(jsonDepth));
}

/** Free-form JSON object (metadata), bounded in size (bytes of its JSON) and depth, as the OpenAPI states. */
export function JsonObject(o: Common & { maxBytes: number; maxDepth: number }) {
  const bounds = `A JSON object of at most ${o.maxBytes} bytes, nested at most ${o.maxDepth} levels.`;
  return applyDecorators(
    doc({ ...o, description: o.description ? `${o.description}. ${bounds}` : bounds }, {
      type: 'object', additionalProperties: true, 'x-max-bytes': o.maxBytes, 'x-max-depth': o.maxDepth,
    }),
    ...presence(o),
    IsObject(),
    ValidateBy({
      name: 'jsonBounds',
      validator: {
        validate: (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8') <= o.maxBytes && jsonDepth(v) <= o.maxDepth,
        defaultMessage: () => `$property must be at most ${o.maxBytes} bytes as JSON and nest at most ${o.maxDepth} levels`,
      },
    }),
  );
}

export class IdParamDto {
  @Uuid({ description: 'Resource id' })
  id: string;
}

export class PageQueryDto {
  @QueryInt({ min: 1, max: 1000, default: 100, description: 'Page size' })
  limit?: number;

  @QueryInt({ min: 0, max: 10_000_000, default: 0, description: 'Items to skip' })
  offset?: number;
}
