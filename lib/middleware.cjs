'use strict';
// Method wrapping: `resource.useMiddleware(method, (ctx, next) => …)` and the plugin helpers
// (`wrapResourceMethod`, `addMiddleware`, `wrapMethod`). Each installs an own-property function
// over the method the first time it is used, so unwrapped methods keep their direct path.

const { ResourceError, PluginError } = require('./errors.cjs');

const MIDDLEWARE_METHODS = [
  'get', 'list', 'listIds', 'getAll', 'count', 'page', 'insert', 'update', 'delete', 'deleteMany',
  'exists', 'getMany', 'content', 'hasContent', 'query', 'getFromPartition', 'setContent',
  'deleteContent', 'replace', 'patch',
];
/** Method names of later s3db.js documentation. */
const METHOD_ALIASES = { inserted: 'insert', updated: 'update', deleted: 'delete', fetched: 'get' };

const canonicalMethod = (method) => METHOD_ALIASES[method] || method;

/** True when `method` of `target` has been wrapped (an own property shadows the class method). */
function isWrapped(target, method) {
  return Object.prototype.hasOwnProperty.call(target, method);
}

/**
 * The layer list of `method` kept in `target[registry]`; the first time, `makeRunner(inner, layers)`
 * replaces the method with a function that runs the layers around the method it replaced.
 */
function layersOf(target, registry, method, makeRunner) {
  if (!target[registry]) target[registry] = new Map();
  let layers = target[registry].get(method);
  if (!layers) {
    layers = [];
    target[registry].set(method, layers);
    target[method] = makeRunner(target[method], layers);
  }
  return layers;
}

/** `resource.useMiddleware(method, fn)`: `fn(ctx = {resource, args, method}, next)`. */
function useMiddleware(resource, method, fn) {
  const name = canonicalMethod(method);
  if (!MIDDLEWARE_METHODS.includes(name) || typeof resource[name] !== 'function') {
    throw new ResourceError({ message: `No such method for middleware: ${method}`, method, resourceName: resource.name });
  }
  if (typeof fn !== 'function') throw new ResourceError({ message: 'Middleware must be a function', method });
  const stack = layersOf(resource, '_middlewares', name, (inner, layers) => async function runMiddlewares(...args) {
    const ctx = { resource, args, method: name };
    let reached = -1;
    const dispatch = async (index) => {
      if (index <= reached) throw new Error('next() called multiple times');
      reached = index;
      if (index < layers.length) return layers[index](ctx, () => dispatch(index + 1));
      return inner.apply(resource, ctx.args);
    };
    return dispatch(0);
  });
  stack.push(fn);
}

function requireMethod(target, method, pluginName) {
  if (typeof target[method] !== 'function') {
    throw new PluginError({
      message: `Cannot wrap "${method}": ${target.name || 'the target'} has no such method`,
      pluginName, methodName: method,
    });
  }
}

/** Plugin `wrapResourceMethod`: `wrapper.call(resource, result, args, method)` after each call. */
function wrapAfter(resource, method, wrapper, pluginName) {
  requireMethod(resource, method, pluginName);
  const wrappers = layersOf(resource, '_pluginWrappers', method, (inner, layers) => async function runAfterWrappers(...args) {
    let result = await inner.apply(resource, args);
    for (const each of layers) result = await each.call(resource, result, args, method);
    return result;
  });
  wrappers.push(wrapper);
}

/** Plugin `addMiddleware`: `middleware.call(resource, next, ...args)`; `next(...args)` goes on. */
function addPluginMiddleware(resource, method, middleware, pluginName) {
  requireMethod(resource, method, pluginName);
  const stack = layersOf(resource, '_pluginMiddlewares', method, (inner, layers) => async function runPluginMiddlewares(...args) {
    const call = async (index, callArgs) => {
      if (index < layers.length) return layers[index].call(resource, (...next) => call(index + 1, next), ...callArgs);
      return inner.apply(resource, callArgs);
    };
    return call(0, args);
  });
  stack.push(middleware);
}

/** Around-wrapper of the seed README's plugins: `wrapper(original, target, args)`. */
function wrapAround(target, method, wrapper, pluginName) {
  const name = canonicalMethod(method);
  requireMethod(target, name, pluginName);
  const inner = target[name];
  const original = (...args) => inner.apply(target, args);
  target[name] = async function runAroundWrapper(...args) {
    return wrapper(original, target, args);
  };
}

module.exports = {
  MIDDLEWARE_METHODS, METHOD_ALIASES, canonicalMethod, isWrapped, useMiddleware, wrapAfter, addPluginMiddleware, wrapAround,
};
