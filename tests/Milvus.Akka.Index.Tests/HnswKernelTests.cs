using Milvus.Akka.Common;
using Milvus.Akka.Index.Hnsw;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Tests;

/// <summary>The HNSW search's own building blocks: packed node keys, the key heap, the four-row distance kernels and load-time graph checks.</summary>
public class HnswKernelTests
{
    private static readonly float[] SampleDistances =
    [
        float.NegativeInfinity, float.MinValue, -3.5f, -1f, -float.Epsilon, -0f, 0f, float.Epsilon, 1e-30f, 0.5f, 1f,
        2f, 1e30f, float.MaxValue, float.PositiveInfinity,
    ];

    [Fact]
    public void Node_keys_order_like_distance_then_id_and_decode_exactly()
    {
        var pairs = (from d in SampleDistances from id in new[] { 0, 1, 7, int.MaxValue } select (Distance: d, Id: id)).ToList();
        foreach (var (distance, id) in pairs)
        {
            var key = NodeKey.Encode(distance, id);
            Assert.Equal(BitConverter.SingleToInt32Bits(distance), BitConverter.SingleToInt32Bits(NodeKey.Distance(key)));
            Assert.Equal(id, NodeKey.Id(key));
        }

        // Oracle: the list is built in ascending (distance, id) order, -0 placed before +0.
        var keys = pairs.Select(p => NodeKey.Encode(p.Distance, p.Id)).ToList();
        Assert.Equal(keys.Order(), keys);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 10)]
    [InlineData(3, 1000)]
    public void Node_heap_pops_in_sorted_order_and_replace_min_matches_pop_then_push(int seed, int count)
    {
        var random = new Random(seed);
        var heap = new NodeHeap(initialCapacity: 1);
        var oracle = new List<ulong>();
        for (var round = 0; round < 3; round++)
        {
            heap.Clear();
            oracle.Clear();
            for (var i = 0; i < count; i++)
            {
                // Few distinct distances, so ties on distance are broken by id.
                var key = NodeKey.Encode(random.Next(-20, 20) * 0.25f, random.Next(count));
                heap.Push(key);
                oracle.Add(key);
            }

            Assert.Equal(oracle.Count, heap.Count);
            Assert.Equal(oracle.Order(), heap.Keys.ToArray().Order());
            for (var i = 0; i < count / 2; i++)
            {
                var replacement = NodeKey.Encode(random.Next(-20, 20) * 0.25f, random.Next(count));
                oracle.Remove(oracle.Min());
                oracle.Add(replacement);
                heap.ReplaceMin(replacement);
            }

            var popped = new List<ulong>();
            while (heap.Count > 0)
            {
                popped.Add(heap.PopMin());
            }

            Assert.Equal(oracle.Order(), popped);
        }

        Assert.Throws<InvalidOperationException>(() => heap.PopMin());
        Assert.Throws<InvalidOperationException>(() => heap.ReplaceMin(1));
    }

    [Fact]
    public void Visited_set_forgets_marks_on_reset_including_across_the_epoch_wrap()
    {
        // Marks hold a 16-bit epoch, so a mark left untouched for about 2^16 searches meets its value again:
        // nodes 1..3 are visited only every 65,534 / 65,535 / 65,536 searches and must look fresh each time.
        int[] periods = [65_534, 65_535, 65_536];
        var visited = new VisitedSet(1 + periods.Length);
        for (var search = 0; search < 3 * 65_536; search++)
        {
            visited.Reset();
            Assert.True(visited.TryVisit(0));
            Assert.False(visited.TryVisit(0));
            for (var i = 0; i < periods.Length; i++)
            {
                if (search % periods[i] == 0)
                {
                    Assert.True(visited.TryVisit(1 + i), $"node {1 + i} counted as visited in search {search}");
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(24)]
    [InlineData(37)]
    [InlineData(784)]
    public void Four_row_kernel_equals_the_one_row_kernel_and_a_double_precision_oracle(int dim)
    {
        var random = new Random(dim);
        float[] Vector() => [.. Enumerable.Range(0, dim).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        var query = Vector();
        var rows = Enumerable.Range(0, 4).Select(_ => Vector()).ToArray();
        var tolerance = 1e-4 * dim;

        var l2 = new float[4];
        var dot = new float[4];
        NodeDistances.Four<SquaredL2>(ref query[0], ref rows[0][0], ref rows[1][0], ref rows[2][0], ref rows[3][0], (nuint)dim, ref l2[0]);
        NodeDistances.Four<NegatedDot>(ref query[0], ref rows[0][0], ref rows[1][0], ref rows[2][0], ref rows[3][0], (nuint)dim, ref dot[0]);
        for (var r = 0; r < 4; r++)
        {
            Assert.Equal(TestData.Score(MetricType.L2, query, rows[r]), l2[r], tolerance);
            Assert.Equal(-TestData.Score(MetricType.IP, query, rows[r]), dot[r], tolerance);

            // Bit-identical to the one-row form: a pair must not get two distances depending on the code path.
            Assert.Equal(l2[r], NodeDistances.One<SquaredL2>(ref query[0], ref rows[r][0], (nuint)dim));
            Assert.Equal(dot[r], NodeDistances.One<NegatedDot>(ref query[0], ref rows[r][0], (nuint)dim));
        }
    }

    [Fact]
    public void A_graph_that_links_outside_the_index_is_rejected_on_load()
    {
        const int dim = 4;
        const int m = 2;
        var spec = new IndexSpec(IndexType.Hnsw, MetricType.L2, new Dictionary<string, string> { ["M"] = "2" });
        byte[] File(int link)
        {
            using var stream = new MemoryStream();
            var writer = new IndexFileWriter(stream, spec, dim, count: 2);
            writer.WriteInt32(m);
            writer.WriteInt32(0);
            writer.WriteInt32(0);
            writer.WriteArray<int>([0, 0]);
            writer.WriteArray<int>([1, link, 0, 0, 0, 1, 0, 0, 0, 0]);
            writer.WriteArray<float>(new float[2 * dim]);
            writer.Complete();
            return stream.ToArray();
        }

        Assert.Equal(2, VectorIndexes.Load(File(link: 1)).Count);
        var error = Assert.Throws<MilvusException>(() => VectorIndexes.Load(File(link: 2)));
        Assert.Equal(ErrorCode.IoFailed, error.Code);
        Assert.Contains("links to invalid node 2", error.Message);
    }
}
