// The events these tests write and read are the catalogue's test data: one set of builders, kept beside the
// catalogue's own tests (packages/events/test/support).
export * from '../../../events/test/support/builders.js';
