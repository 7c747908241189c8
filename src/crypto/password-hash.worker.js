'use strict';
// Runs in a piscina worker thread: bcryptjs' synchronous API here never blocks the event loop.
const os = require('node:os');
const { workerData } = require('piscina');
const bcrypt = require('bcryptjs');

// On Linux a nice value applies to the calling thread only: the hashing threads yield to the event loop.
// (Elsewhere setPriority would renice the whole process, so it is left alone.)
const niceness = Number(workerData && workerData.niceness) || 0;
if (niceness > 0 && process.platform === 'linux') {
  try {
    os.setPriority(Math.min(19, niceness));
  } catch {
    /* not permitted: run at normal priority */
  }
}

module.exports = function passwordHashTask(task) {
  if (task.op === 'hash') return bcrypt.hashSync(task.input, bcrypt.genSaltSync(task.cost));
  if (task.op === 'verify') return bcrypt.compareSync(task.input, task.hash);
  throw new TypeError(`unknown op ${task.op}`);
};
