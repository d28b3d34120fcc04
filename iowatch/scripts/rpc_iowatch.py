#  SPDX-License-Identifier: BSD-3-Clause
#  Copyright (C) 2026 the learning-site project authors.
#  All rights reserved.

"""rpc.py plugin for the iowatch bdev module.

Usage (SPDK is the built SPDK tree, IOWATCH this folder):
    PYTHONPATH=$SPDK/python:$IOWATCH/scripts \\
        $SPDK/scripts/rpc.py --plugin rpc_iowatch bdev_iowatch_create -b Malloc0 -n iw0
"""

from spdk.rpc.cmd_parser import print_json


def _drop_unset(params):
    return {key: value for key, value in params.items() if value is not None}


def bdev_iowatch_create(args):
    params = _drop_unset({
        'name': args.name,
        'base_bdev_name': args.base_bdev_name,
        'stall_threshold_ms': args.stall_threshold_ms,
        'uuid': args.uuid,
    })
    if args.wait_for_base:
        params['wait_for_base'] = True
    print_json(args.client.call('bdev_iowatch_create', params))


def bdev_iowatch_delete(args):
    print_json(args.client.call('bdev_iowatch_delete', {'name': args.name}))


def bdev_iowatch_get_inflight(args):
    params = _drop_unset({'name': args.name, 'min_age_ms': args.min_age_ms})
    print_json(args.client.call('bdev_iowatch_get_inflight', params))


def bdev_iowatch_get_stats(args):
    print_json(args.client.call('bdev_iowatch_get_stats', {'name': args.name}))


def spdk_rpc_plugin_initialize(subparsers):
    p = subparsers.add_parser('bdev_iowatch_create',
                              help='Stack an iowatch bdev on a base bdev')
    p.add_argument('-b', '--base-bdev-name', required=True, help='name of the base bdev')
    p.add_argument('-n', '--name', required=True, help='name of the new iowatch bdev')
    p.add_argument('-s', '--stall-threshold-ms', type=int,
                   help='log I/Os outstanding for longer than this (0: never)')
    p.add_argument('-u', '--uuid', help='UUID of the new bdev (default: derived from the base)')
    p.add_argument('-w', '--wait-for-base', action='store_true',
                   help='accept a base bdev that does not exist yet')
    p.set_defaults(func=bdev_iowatch_create)

    p = subparsers.add_parser('bdev_iowatch_delete', help='Delete an iowatch bdev')
    p.add_argument('name', help='name of the iowatch bdev')
    p.set_defaults(func=bdev_iowatch_delete)

    p = subparsers.add_parser('bdev_iowatch_get_inflight',
                              help='List I/Os outstanding on an iowatch bdev')
    p.add_argument('name', help='name of the iowatch bdev')
    p.add_argument('-a', '--min-age-ms', type=int, help='only I/Os at least this old')
    p.set_defaults(func=bdev_iowatch_get_inflight)

    p = subparsers.add_parser('bdev_iowatch_get_stats',
                              help='Per-thread counters and latency of an iowatch bdev')
    p.add_argument('name', help='name of the iowatch bdev')
    p.set_defaults(func=bdev_iowatch_get_stats)
