#!/usr/bin/env node
require('./run-built')('infra/local/demo/entry.js');
