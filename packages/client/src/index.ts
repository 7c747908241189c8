// @warden/client: the framework-free core. The Apollo Link is in @warden/client/apollo, the urql exchange in
// @warden/client/urql (each needs only its own peer dependency), verifyWardenToken in @warden/client/server.
export * from './core.js';
