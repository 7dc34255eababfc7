using System.Globalization;

namespace Milvus.Akka.Index.Bench;

/// <summary>The process's resident set, for engines that allocate outside the managed heap.</summary>
internal static class ResidentSet
{
    public static long Bytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }
}
