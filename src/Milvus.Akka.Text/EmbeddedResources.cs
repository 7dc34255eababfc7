namespace Milvus.Akka.Text;

/// <summary>The data files this assembly embeds (folding table, stop word lists, jieba's dictionary and HMM).</summary>
internal static class EmbeddedResources
{
    /// <summary>Opens the embedded resource of that logical name; its absence is a broken build, not bad input.</summary>
    public static Stream Open(string name) =>
        typeof(EmbeddedResources).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"the resource {name} is missing from {typeof(EmbeddedResources).Assembly.GetName().Name}");
}
