using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Cluster.Wire;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Security;

/// <summary>
/// Protobuf encoding of <see cref="RbacState"/>: the record kept in meta storage and the reply proxies receive, so the
/// state has one format everywhere. Field numbers are the format: never reuse one.
/// </summary>
public static class RbacCodec
{
    public static ByteString Encode(RbacState state) => ToBytes(o =>
    {
        foreach (var user in state.Users.Values)
        {
            WriteMessage(o, 1, u =>
            {
                WriteString(u, 1, user.Name);
                WriteString(u, 2, user.PasswordHash);
                WriteStrings(u, 3, user.Roles);
                WriteString(u, 4, user.Description);
            });
        }

        WriteStrings(o, 2, state.Roles);
        foreach (var (grant, grantor) in state.Grants)
        {
            WriteEncoded(o, 3, Encode(grant, grantor));
        }

        foreach (var (name, privileges) in state.Groups)
        {
            WriteMessage(o, 4, g =>
            {
                WriteString(g, 1, name);
                WriteStrings(g, 2, privileges);
            });
        }

        foreach (var (role, description) in state.RoleDescriptions)
        {
            WriteMessage(o, 5, d =>
            {
                WriteString(d, 1, role);
                WriteString(d, 2, description);
            });
        }
    });

    public static RbacState Decode(ByteString bytes)
    {
        var fields = WireFields.Parse(bytes);
        var users = fields.RepeatedBytes(1).Select(WireFields.Parse)
            .Select(u => new RbacUser(u.String(1), u.String(2), u.Strings(3).ToImmutableSortedSet(StringComparer.Ordinal), u.String(4)));
        var grants = fields.RepeatedBytes(3).Select(DecodeGrant);
        var groups = fields.RepeatedBytes(4).Select(WireFields.Parse)
            .Select(g => KeyValuePair.Create(g.String(1), g.Strings(2).ToImmutableSortedSet(StringComparer.Ordinal)));
        return new RbacState(
            users.ToImmutableSortedDictionary(u => u.Name, u => u, StringComparer.Ordinal),
            fields.Strings(2).ToImmutableSortedSet(StringComparer.Ordinal),
            grants.ToImmutableDictionary(g => g.Grant, g => g.Grantor),
            groups.ToImmutableSortedDictionary(StringComparer.Ordinal),
            fields.RepeatedBytes(5).Select(WireFields.Parse)
                .ToImmutableSortedDictionary(d => d.String(1), d => d.String(2), StringComparer.Ordinal));
    }

    public static ByteString Encode(RbacGrant grant, string grantor) => ToBytes(o =>
    {
        WriteString(o, 1, grant.Role);
        WriteInt64(o, 2, (long)grant.ObjectType);
        WriteString(o, 3, grant.ObjectName);
        WriteString(o, 4, grant.Database);
        WriteString(o, 5, grant.Privilege);
        WriteString(o, 6, grantor);
    });

    public static (RbacGrant Grant, string Grantor) DecodeGrant(ByteString bytes)
    {
        var f = WireFields.Parse(bytes);
        return (new RbacGrant(f.String(1), (RbacObjectType)f.Int32(2), f.String(3), f.String(4), f.String(5)), f.String(6));
    }
}
