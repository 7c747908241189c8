'use strict';
// Runs in a piscina worker thread: bcryptjs' synchronous API here never blocks the event loop.
const bcrypt = require('bcryptjs');

module.exports = function passwordHashTask(task) {
  if (task.op === 'hash') return bcrypt.hashSync(task.input, bcrypt.genSaltSync(task.cost));
  if (task.op === 'verify') return bcrypt.compareSync(task.input, task.hash);
  throw new TypeError(`unknown op ${task.op}`);
};
