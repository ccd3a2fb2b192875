#!/usr/bin/env node
require('./run-built')('infra/local/cli/ledgerctl.js');
