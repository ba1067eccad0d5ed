import { Delete, Get, HttpCode, Patch, Post, Put, applyDecorators } from '@nestjs/common';
import { ApiDoc, type RouteDoc } from './api-doc';

/** A route's OpenAPI description and, when it is not the verb's usual one, its success status. */
export interface RouteSpec extends RouteDoc {
  /** 202 for queued work, 200 for a POST that creates nothing; POST answers 201, DELETE 204, the others 200. */
  status?: number;
}

type RouteArgs = [spec: RouteSpec] | [path: string, spec: RouteSpec];

function route(verb: (path?: string) => MethodDecorator, usualStatus?: number) {
  return (...args: RouteArgs) => {
    const [path, { status = usualStatus, ...doc }] = args.length === 1 ? [undefined, args[0]] : args;
    return applyDecorators(verb(path), ...(status === undefined ? [] : [HttpCode(status)]), ApiDoc(doc));
  };
}

/**
 * A route and what the OpenAPI document says of it, in one decorator, so that no route goes
 * undocumented: `@GetRoute(':caId', { summary, response })`, `@PostRoute({ summary, body, status: 202 })`.
 */
export const GetRoute = route(Get);
export const PostRoute = route(Post);
export const PutRoute = route(Put);
export const PatchRoute = route(Patch);
/** A deletion answers 204 No Content unless its spec says otherwise. */
export const DeleteRoute = route(Delete, 204);
