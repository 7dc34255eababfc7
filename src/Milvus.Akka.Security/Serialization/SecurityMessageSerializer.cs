using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Cluster.Serialization;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Security.Serialization;

/// <summary>Wire format of every <see cref="ISecurityMessage"/>; the state travels in its meta-storage encoding (<see cref="RbacCodec"/>).</summary>
public sealed class SecurityMessageSerializer : WireSerializer
{
    public SecurityMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        RegisterSingleton("rg1", GetRbac.Instance);
        Register<RbacSnapshot>("rs1", (o, m) => WriteEncoded(o, 1, RbacCodec.Encode(m.State)), f => new RbacSnapshot(RbacCodec.Decode(f.Bytes(1))));
        Register<CreateUser>("cu1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteString(o, 2, m.PasswordHash);
                WriteString(o, 3, m.Description);
            },
            f => new CreateUser(f.String(1), f.String(2), f.String(3)));
        Register<UpdatePassword>("up1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteString(o, 2, m.ExpectedHash);
                WriteString(o, 3, m.NewHash);
            },
            f => new UpdatePassword(f.String(1), f.String(2), f.String(3)));
        Register<DeleteUser>("du1", (o, m) => WriteString(o, 1, m.Name), f => new DeleteUser(f.String(1)));
        Register<SetUserDescription>("ud1", NameAndDescription((SetUserDescription m) => (m.Name, m.Description)), f => new SetUserDescription(f.String(1), f.String(2)));
        Register<CreateRole>("cr1", NameAndDescription((CreateRole m) => (m.Name, m.Description)), f => new CreateRole(f.String(1), f.String(2)));
        Register<SetRoleDescription>("rd1", NameAndDescription((SetRoleDescription m) => (m.Name, m.Description)), f => new SetRoleDescription(f.String(1), f.String(2)));
        Register<DropRole>("dr1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteBool(o, 2, m.Force);
            },
            f => new DropRole(f.String(1), f.Bool(2)));
        Register<OperateUserRole>("ou1",
            (o, m) =>
            {
                WriteString(o, 1, m.User);
                WriteString(o, 2, m.Role);
                WriteBool(o, 3, m.Add);
            },
            f => new OperateUserRole(f.String(1), f.String(2), f.Bool(3)));
        Register<OperatePrivilege>("op1",
            (o, m) =>
            {
                WriteEncoded(o, 1, RbacCodec.Encode(m.Grant, m.Grantor));
                WriteBool(o, 2, m.Revoke);
            },
            f =>
            {
                var (grant, grantor) = RbacCodec.DecodeGrant(f.Bytes(1));
                return new OperatePrivilege(grant, f.Bool(2), grantor);
            });
        Register<CreatePrivilegeGroup>("cg1", (o, m) => WriteString(o, 1, m.Name), f => new CreatePrivilegeGroup(f.String(1)));
        Register<DropPrivilegeGroup>("dg1", (o, m) => WriteString(o, 1, m.Name), f => new DropPrivilegeGroup(f.String(1)));
        Register<OperatePrivilegeGroup>("og1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteStrings(o, 2, m.Privileges);
                WriteBool(o, 3, m.Add);
            },
            f => new OperatePrivilegeGroup(f.String(1), f.Strings(2), f.Bool(3)));
        Register<RestoreRbac>("rr1", (o, m) => WriteEncoded(o, 1, RbacCodec.Encode(m.Backup)), f => new RestoreRbac(RbacCodec.Decode(f.Bytes(1))));
    }

    public override int Identifier => 411;

    private static Action<CodedOutputStream, T> NameAndDescription<T>(Func<T, (string Name, string Description)> parts) => (o, m) =>
    {
        var (name, description) = parts(m);
        WriteString(o, 1, name);
        WriteString(o, 2, description);
    };
}
