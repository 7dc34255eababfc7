using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Cluster.Wire;
using Milvus.Akka.Common;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Coordinator;

/// <summary>Protobuf encodings of catalog records, used for meta storage values and for cluster messages.</summary>
public static class CatalogCodec
{
    public static ByteString Encode(DatabaseInfo db) => ToBytes(o =>
    {
        WriteInt64(o, 1, db.Id);
        WriteString(o, 2, db.Name);
        WriteMap(o, 3, db.Properties);
        WriteUInt64(o, 4, db.CreatedTimestamp);
    });

    public static DatabaseInfo DecodeDatabase(ByteString bytes)
    {
        long id = 0;
        var name = "";
        ulong created = 0;
        var properties = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: name = input.ReadString(); break;
                case 3: properties.Add(ReadMapEntry(input.ReadBytes())); break;
                case 4: created = input.ReadUInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new DatabaseInfo(id, name, properties.ToImmutable(), created);
    }

    public static ByteString Encode(CollectionInfo c) => ToBytes(o =>
    {
        WriteInt64(o, 1, c.Id);
        WriteString(o, 2, c.Database);
        WriteString(o, 3, c.Name);
        WriteEncoded(o, 4, SchemaCodec.Encode(c.Schema));
        WriteInt64(o, 5, c.ShardsNum);
        WriteInt64(o, 6, (long)c.Consistency + 1);
        foreach (var p in c.Partitions)
        {
            WriteMessage(o, 7, w =>
            {
                WriteInt64(w, 1, p.Id);
                WriteString(w, 2, p.Name);
                WriteUInt64(w, 3, p.CreatedTimestamp);
            });
        }

        foreach (var index in c.Indexes)
        {
            WriteEncoded(o, 8, Encode(index));
        }

        foreach (var alias in c.Aliases)
        {
            WriteString(o, 9, alias);
        }

        WriteMap(o, 10, c.Properties);
        WriteUInt64(o, 11, c.CreatedTimestamp);
        WriteBool(o, 12, c.Loaded);
        foreach (var partitionId in c.LoadedPartitions ?? [])
        {
            WriteInt64(o, 13, partitionId);
        }
    });

    public static CollectionInfo DecodeCollection(ByteString bytes)
    {
        long id = 0;
        string db = "", name = "";
        CollectionSchema? schema = null;
        var shards = 0;
        var consistency = ConsistencyLevel.Bounded;
        var partitions = ImmutableArray.CreateBuilder<PartitionInfo>();
        var indexes = ImmutableArray.CreateBuilder<IndexInfo>();
        var aliases = ImmutableArray.CreateBuilder<string>();
        var properties = ImmutableSortedDictionary.CreateBuilder<string, string>();
        ulong created = 0;
        var loaded = false;
        var loadedPartitions = ImmutableSortedSet.CreateBuilder<long>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: db = input.ReadString(); break;
                case 3: name = input.ReadString(); break;
                case 4: schema = SchemaCodec.Decode(input.ReadBytes()); break;
                case 5: shards = (int)input.ReadInt64(); break;
                case 6: consistency = (ConsistencyLevel)(input.ReadInt64() - 1); break;
                case 7: partitions.Add(DecodePartition(input.ReadBytes())); break;
                case 8: indexes.Add(DecodeIndex(input.ReadBytes())); break;
                case 9: aliases.Add(input.ReadString()); break;
                case 10: properties.Add(ReadMapEntry(input.ReadBytes())); break;
                case 11: created = input.ReadUInt64(); break;
                case 12: loaded = input.ReadBool(); break;
                case 13: loadedPartitions.Add(input.ReadInt64()); break;
                default: input.SkipLastField(); break;
            }
        }

        return new CollectionInfo(id, db, name, schema ?? throw new InvalidDataException($"collection {id} has no schema"), shards,
            consistency, partitions.ToImmutable(), indexes.ToImmutable(), aliases.ToImmutable(), properties.ToImmutable(), created, loaded)
        {
            LoadedPartitions = loadedPartitions.Count == 0 ? null : loadedPartitions.ToImmutable(),
        };
    }

    private static PartitionInfo DecodePartition(ByteString bytes)
    {
        long id = 0;
        var name = "";
        ulong created = 0;
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: name = input.ReadString(); break;
                case 3: created = input.ReadUInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new PartitionInfo(id, name, created);
    }

    public static ByteString Encode(IndexInfo index) => ToBytes(w =>
    {
        WriteInt64(w, 1, index.IndexId);
        WriteString(w, 2, index.Name);
        WriteInt64(w, 3, index.FieldId);
        WriteMap(w, 4, index.Params);
        WriteUInt64(w, 5, index.CreatedTimestamp);
        WriteMap(w, 6, index.Properties);
    });

    public static IndexInfo DecodeIndex(ByteString bytes)
    {
        long id = 0, fieldId = 0;
        var name = "";
        ulong created = 0;
        var parameters = ImmutableSortedDictionary.CreateBuilder<string, string>();
        var properties = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: name = input.ReadString(); break;
                case 3: fieldId = input.ReadInt64(); break;
                case 4: parameters.Add(ReadMapEntry(input.ReadBytes())); break;
                case 5: created = input.ReadUInt64(); break;
                // Absent in entries written before index properties existed: they decode to none.
                case 6: properties.Add(ReadMapEntry(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }

        return new IndexInfo(id, name, fieldId, parameters.ToImmutable(), created) { Properties = properties.ToImmutable() };
    }

    public static ByteString Encode(SegmentInfo s) => ToBytes(o =>
    {
        WriteInt64(o, 1, s.SegmentId);
        WriteInt64(o, 2, s.CollectionId);
        WriteInt64(o, 3, s.PartitionId);
        WriteString(o, 4, s.ShardName);
        WriteInt64(o, 5, s.RowCount);
        WriteString(o, 6, s.ManifestKey);
        WriteMap(o, 7, s.IndexFiles.Select(kv => KeyValuePair.Create(kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Value)));
        WriteUInt64(o, 8, s.FlushedTimestamp);
    });

    public static SegmentInfo DecodeSegment(ByteString bytes)
    {
        long id = 0, collection = 0, partition = 0, rows = 0;
        string shard = "", manifest = "";
        ulong flushed = 0;
        var indexFiles = ImmutableDictionary.CreateBuilder<long, string>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: collection = input.ReadInt64(); break;
                case 3: partition = input.ReadInt64(); break;
                case 4: shard = input.ReadString(); break;
                case 5: rows = input.ReadInt64(); break;
                case 6: manifest = input.ReadString(); break;
                case 7:
                    var entry = ReadMapEntry(input.ReadBytes());
                    indexFiles[long.Parse(entry.Key, System.Globalization.CultureInfo.InvariantCulture)] = entry.Value;
                    break;
                case 8: flushed = input.ReadUInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new SegmentInfo(id, collection, partition, shard, rows, manifest, indexFiles.ToImmutable(), flushed);
    }
}
