'use strict';
// Resource groups through the Node SDK: a group is created with its configuration (echoed back by
// describeResourceGroup), listed, updated and dropped; a collection is loaded into named groups and getReplicas names
// each replica's group. With two query nodes or more (the multi-node run), a node is transferred to the group, a
// replica follows it, and every count read meanwhile is exact.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, ErrorCode } = require('@zilliz/milvus2-sdk-node');
const { serverWithClient } = require('./server');
const collections = require('./collections');

const { vector, succeeded } = collections;
const DEFAULT_GROUP = '__default_resource_group';
const GROUP = 'sdk_rg';

let client;
serverWithClient(MilvusClient, connected => { client = connected; });

async function describe(group) {
  return succeeded(await client.describeResourceGroup({ resource_group: group })).resource_group;
}

async function waitForNodes(group, nodes) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const described = await describe(group);
    if (described.num_available_node === nodes) return described;
    assert.ok(Date.now() < deadline, `${group} has ${described.num_available_node} query nodes, not ${nodes}, after 60 s`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

async function count(name) {
  const result = succeeded(await client.query({ collection_name: name, filter: '', output_fields: ['count(*)'] }));
  return Number(result.data[0]['count(*)']);
}

const emptyConfig = { requests: { node_num: 0 }, limits: { node_num: 0 } };

test('a resource group keeps its configuration, takes a transferred node and the replicas placed in it', async () => {
  const queryNodes = (await describe(DEFAULT_GROUP)).num_available_node;
  const config = {
    ...emptyConfig,
    transfer_from: [{ resource_group: DEFAULT_GROUP }],
    transfer_to: [{ resource_group: DEFAULT_GROUP }],
    node_filter: { node_labels: [{ key: 'zone', value: 'a' }] },
  };
  succeeded(await client.createResourceGroup({ resource_group: GROUP, config }));
  succeeded(await client.createResourceGroup({ resource_group: GROUP, config }));
  const conflict = await client.createResourceGroup({ resource_group: GROUP, config: { requests: { node_num: 1 }, limits: { node_num: 1 } } });
  assert.notEqual(conflict.error_code, ErrorCode.SUCCESS);
  assert.match(conflict.reason, /resource group already exist/);
  const illegal = await client.createResourceGroup({ resource_group: 'sdk_rg_bad', config: { requests: { node_num: 2 }, limits: { node_num: 1 } } });
  assert.match(illegal.reason, /limits node num should not less than requests node num/);

  const described = await describe(GROUP);
  assert.equal(described.num_available_node, 0);
  assert.deepEqual(described.config.node_filter.node_labels.map(l => [l.key, l.value]), [['zone', 'a']]);
  assert.deepEqual(described.config.transfer_from.map(t => t.resource_group), [DEFAULT_GROUP]);
  assert.ok(succeeded(await client.listResourceGroups()).resource_groups.includes(GROUP));

  // The group asks for one node; with a single query node the default group keeps it (it asks for one too).
  const grouped = queryNodes >= 2 ? 1 : 0;
  succeeded(await client.updateResourceGroups({
    resource_groups: {
      [GROUP]: { requests: { node_num: 1 }, limits: { node_num: 1 } },
      [DEFAULT_GROUP]: { requests: { node_num: 1 - grouped }, limits: { node_num: 1000000 } },
    },
  }));
  await waitForNodes(GROUP, grouped);

  const name = 'sdk_rg_collection';
  await collections.createCollection(client, name);
  await collections.indexAndLoad(client, name, false);
  const groups = grouped ? [DEFAULT_GROUP, GROUP] : [DEFAULT_GROUP];
  succeeded(await client.loadCollectionSync({ collection_name: name, replica_number: groups.length, resource_groups: groups }));
  const ids = Array.from({ length: 300 }, (_, i) => i);
  succeeded(await client.insert({ collection_name: name, data: ids.map(id => ({ id, vec: vector(id) })) }));
  await client.flushSync({ collection_names: [name] });
  assert.equal(await count(name), ids.length);

  const replicas = succeeded(await client.getReplicas({ collectionID: (await client.describeCollection({ collection_name: name })).collectionID }));
  assert.deepEqual(replicas.replicas.map(r => r.resource_group_name).sort(), [...groups].sort());
  const loadedIn = (await describe(groups[groups.length - 1])).num_loaded_replica;
  assert.equal(loadedIn[name], 1);

  const notEmpty = await client.dropResourceGroup({ resource_group: GROUP });
  if (grouped) {
    assert.match(notEmpty.reason, /some replicas still loaded in resource group\[sdk_rg\]/);
    // The replica moves back to the default group; reads stay exact.
    succeeded(await client.transferReplica({
      source_resource_group: GROUP, target_resource_group: DEFAULT_GROUP, collection_name: name, num_replica: 1,
    }));
    assert.equal(await count(name), ids.length);
  }

  succeeded(await client.releaseCollection({ collection_name: name }));
  succeeded(await client.dropCollection({ collection_name: name }));
  succeeded(await client.updateResourceGroups({ resource_groups: { [GROUP]: emptyConfig, [DEFAULT_GROUP]: { requests: { node_num: 0 }, limits: { node_num: 1000000 } } } }));
  await waitForNodes(DEFAULT_GROUP, queryNodes);
  succeeded(await client.dropResourceGroup({ resource_group: GROUP }));
  assert.ok(!succeeded(await client.listResourceGroups()).resource_groups.includes(GROUP));
  const missing = await client.describeResourceGroup({ resource_group: GROUP });
  assert.match(missing.status.reason, /resource group not found\[rg=sdk_rg\]/);
});
